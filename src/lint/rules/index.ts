/**
 * The rule registry: every rule file is imported here, once. A meta-test checks that each
 * file in this folder is listed, has a docs page and a test file, and that ids match file names.
 */
import type { Rule } from '../types.js';

// --- group A: data loss, renames, enums, types (begin)
// --- group A (end)

// --- group B: locking, constraints, transactions, column choices (begin)
// --- group B (end)

export const allRules: readonly Rule[] = [
  // --- group A list (begin)
  // --- group A list (end)
  // --- group B list (begin)
  // --- group B list (end)
];
