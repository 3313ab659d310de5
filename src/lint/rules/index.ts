/**
 * The rule registry: every rule file is imported here, once. A meta-test checks that each
 * file in this folder is listed, has a docs page and a test file, and that ids match file names.
 */
import type { Rule } from '../types.js';

// --- group A: data loss, renames, enums, types (begin)
import banDropTable from './ban-drop-table.js';
import banDropColumn from './ban-drop-column.js';
import banDropSchema from './ban-drop-schema.js';
import banTruncate from './ban-truncate.js';
import banDropCascade from './ban-drop-cascade.js';
import banDeleteWithoutWhere from './ban-delete-without-where.js';
import banUpdateWithoutWhere from './ban-update-without-where.js';
import renamingColumn from './renaming-column.js';
import renamingTable from './renaming-table.js';
import renamingEnumValue from './renaming-enum-value.js';
import enumValueRemoved from './enum-value-removed.js';
import changingColumnType from './changing-column-type.js';
import banAlterDomainWithAddConstraint from './ban-alter-domain-with-add-constraint.js';
import banCreateDomainWithConstraint from './ban-create-domain-with-constraint.js';
// --- group A (end)

// --- group B: locking, constraints, transactions, column choices (begin)
// --- group B (end)

export const allRules: readonly Rule[] = [
  // --- group A list (begin)
  banDropTable,
  banDropColumn,
  banDropSchema,
  banTruncate,
  banDropCascade,
  banDeleteWithoutWhere,
  banUpdateWithoutWhere,
  renamingColumn,
  renamingTable,
  renamingEnumValue,
  enumValueRemoved,
  changingColumnType,
  banAlterDomainWithAddConstraint,
  banCreateDomainWithConstraint,
  // --- group A list (end)
  // --- group B list (begin)
  // --- group B list (end)
];
