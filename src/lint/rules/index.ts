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
import setNotNull from './set-not-null.js';
import addingRequiredColumn from './adding-required-column.js';
import replacingCheckConstraint from './replacing-check-constraint.js';
import concurrentlyInTransaction from './concurrently-in-transaction.js';
import alterEnumAddValueInTransaction from './alter-enum-add-value-in-transaction.js';
import addingVolatileDefault from './adding-volatile-default.js';
import constraintWithoutNotValid from './constraint-without-not-valid.js';
import addingUniqueConstraint from './adding-unique-constraint.js';
import createIndexNotConcurrently from './create-index-not-concurrently.js';
import dropIndexNotConcurrently from './drop-index-not-concurrently.js';
import missingLockTimeout from './missing-lock-timeout.js';
import preferBigintOverInt from './prefer-bigint-over-int.js';
import preferIdentity from './prefer-identity.js';
import preferTextField from './prefer-text-field.js';
import preferTimestamptz from './prefer-timestamptz.js';
import banCharField from './ban-char-field.js';
import transactionNesting from './transaction-nesting.js';
import addingSerialPrimaryKeyField from './adding-serial-primary-key-field.js';
import banDropNotNull from './ban-drop-not-null.js';
import missingStatementTimeout from './missing-statement-timeout.js';
import preferBigintOverSmallint from './prefer-bigint-over-smallint.js';
import preferRobustStmts from './prefer-robust-stmts.js';
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
  setNotNull,
  addingRequiredColumn,
  replacingCheckConstraint,
  concurrentlyInTransaction,
  alterEnumAddValueInTransaction,
  addingVolatileDefault,
  constraintWithoutNotValid,
  addingUniqueConstraint,
  createIndexNotConcurrently,
  dropIndexNotConcurrently,
  missingLockTimeout,
  preferBigintOverInt,
  preferIdentity,
  preferTextField,
  preferTimestamptz,
  banCharField,
  transactionNesting,
  addingSerialPrimaryKeyField,
  banDropNotNull,
  missingStatementTimeout,
  preferBigintOverSmallint,
  preferRobustStmts,
  // --- group B list (end)
];
