/**
 * The lint rule API. A rule is data plus a check: `defineRule({ id, severity, summary, level,
 * docsUrl, on, check(ctx) })`. The engine parses each file once, walks its statements in order and
 * calls each enabled rule's `check` once per statement of a kind the rule handles (`on`, or every
 * statement when a rule has no `on`); rules never re-parse.
 */
import type { MigrationFile, ParsedStatement, PgNode, Span } from '../migrations/types.js';
import type { ColumnType } from './columns.js';

export type Severity = 'error' | 'warning';

/**
 * Safety level a rule implies for the file it fires in:
 * 1 = no schema or data change, 2 = additive only, 3 = modifies or removes.
 */
export type SafetyLevel = 1 | 2 | 3;

export interface Finding {
  rule: string;
  severity: Severity;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** What breaks. */
  message: string;
  /** What to do instead. */
  help: string;
  /** A safe rewrite in SQL, where one exists. */
  fix?: string;
}

/** Facts the engine tracks across statements and files of one lint run. */
export interface LintState {
  /** True when the relation was created earlier in this run (same file or an earlier new migration). */
  isNewTable(name: QualifiedName): boolean;
  /** True when the index was created earlier in this run. */
  isNewIndex(name: QualifiedName): boolean;
  /**
   * True when `ALTER TABLE ... ADD COLUMN` (without IF NOT EXISTS) added the column earlier in
   * this run and it has not been dropped since (followed through RENAME COLUMN and RENAME TO).
   * Columns of tables created in the run are covered by isNewTable.
   */
  isNewColumn(table: QualifiedName, column: string): boolean;
  /**
   * The column's type as last declared in this run (CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE,
   * followed through renames), if the run declared it. Read-only.
   */
  columnType(table: QualifiedName, column: string): ColumnType | undefined;
  /** True when an explicit `BEGIN` is open, or the tool wraps the file in a transaction. */
  inTransaction: boolean;
  /** True when the file wraps statements implicitly (tool per-file transaction). */
  implicitTransaction: boolean;
  /** True when `SET lock_timeout` (non-zero) ran earlier in this file. */
  lockTimeoutSet: boolean;
  /** True when `SET statement_timeout` (non-zero) ran earlier in this file. */
  statementTimeoutSet: boolean;
  /**
   * Whether a table the run (or the applied migrations read first) created is partitioned
   * (`PARTITION BY`); undefined for a table it did not see created.
   */
  isPartitioned(table: QualifiedName): boolean | undefined;
  /**
   * True when the run created the domain with a CHECK or NOT NULL constraint or added one
   * (followed through RENAME and SET SCHEMA): a column of such a domain is checked row by row.
   */
  domainHasConstraints(name: QualifiedName): boolean;
  /** Values of an enum type as last defined in this run (CREATE TYPE / ADD VALUE / RENAME VALUE), if known. */
  enumValues(name: QualifiedName): string[] | undefined;
  /** True when a validated constraint of this run proves the column holds no NULL (see notNullProofs). */
  hasNotNullCheck(table: QualifiedName, column: string): boolean;
  /**
   * The constraints added earlier in this run that prove the column holds no NULL once validated:
   * `CHECK (col IS NOT NULL [AND ...])` (table or column constraint) and PostgreSQL 18's `NOT NULL
   * col` constraints, with their names (as written or as PostgreSQL names them), followed through
   * VALIDATE, DROP CONSTRAINT, RENAME CONSTRAINT, RENAME COLUMN, DROP COLUMN and table renames.
   */
  notNullProofs(table: QualifiedName, column: string): { constraint: string; validated: boolean }[];
  /**
   * True while the engine reads a migration that already ran in production: an applied one read
   * first as context (its findings dropped), or an edited one (changed since `lint --since`'s ref
   * but there already). Rules that remember objects created in the run must not remember these.
   */
  readonly ranBefore: boolean;
  /** True when the run created the view (not CREATE OR REPLACE): nothing reads it by that name yet. */
  isNewView(name: QualifiedName): boolean;
}

export interface QualifiedName {
  schema?: string | undefined;
  name: string;
}

export interface ReportDescriptor {
  message: string;
  help: string;
  fix?: string;
  /** Narrow the span to a node location (byte offset from libpg-query, relative to the statement's parse input). */
  location?: number;
  /** Or give an explicit span; defaults to the whole statement. */
  span?: Span;
  /** Override the rule's severity for this finding (config overrides still win). */
  severity?: Severity;
}

export interface RuleContext {
  file: MigrationFile;
  statement: ParsedStatement;
  /** The statement's node body: `statement.node[statement.kind]`, or undefined when unparsed. */
  node: Record<string, unknown> | undefined;
  state: LintState;
  /** Target PostgreSQL major version (14 by default). */
  pgVersion: number;
  /**
   * Per-rule memory that lives for the whole run (all files), for rules that pair statements
   * (e.g. DROP CONSTRAINT followed by ADD CONSTRAINT on the same table).
   */
  memory: Map<string, unknown>;
  /**
   * Per-rule memory for the current file only: empty at the start of each file (what a rule
   * tracks through one file, such as its transaction, without keys built from the file's path).
   */
  fileMemory: Map<string, unknown>;
  report(descriptor: ReportDescriptor): void;
}

export interface RuleDefinition {
  /** kebab-case id, equal to the file name and the docs page name. */
  id: string;
  severity: Severity;
  /** One line: what the rule flags. */
  summary: string;
  /** Safety level of a file in which this rule fires. */
  level: SafetyLevel;
  docsUrl: string;
  /**
   * The statement kinds (`ParsedStatement.kind`, e.g. 'AlterTableStmt') whose statements this
   * rule looks at, including those it only remembers facts from. The engine calls `check` only
   * for these; without `on` it calls it for every parsed statement.
   */
  on?: readonly string[] | undefined;
  check(ctx: RuleContext): void;
}

export type Rule = Readonly<RuleDefinition>;

export type { PgNode };
