#!/usr/bin/env node
// Thin entry: everything lives in dist/cli/main.js (bundled into dist/bundle/ by npm run build,
// see scripts/bundle.mjs) so the bin never changes.
import { main } from '../dist/bundle/cli.js';

process.exitCode = await main(process.argv.slice(2));
