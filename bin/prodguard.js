#!/usr/bin/env node
// Thin entry: everything lives in dist/cli/main.js so the bin never changes.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
