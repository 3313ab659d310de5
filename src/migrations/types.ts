/**
 * What discovery and parsing produce: migration files in the order their tool applies them,
 * each split into statements parsed by the real PostgreSQL parser (libpg-query).
 */

export type MigrationLayout =
  | 'prisma'
  | 'drizzle'
  | 'supabase'
  | 'flyway'
  | 'golang-migrate'
  | 'dbmate'
  | 'node-pg-migrate'
  | 'plain'
  | 'stdin';

/**
 * Whether the migration tool runs each file in a transaction: `per-file` (it wraps the file),
 * `implicit` (it sends the file as one multi-statement query, which PostgreSQL runs as one
 * implicit transaction when it holds more than one statement) or `none` (statement by statement).
 */
export type TransactionMode = 'per-file' | 'implicit' | 'none';

export interface MigrationFile {
  /** Path as given or discovered, relative to the working directory where possible; `-` for stdin. */
  path: string;
  /** The full text of the file as read (before section extraction). */
  text: string;
  /** The part that runs on "up": the whole file, or the `-- migrate:up` section etc. */
  upText: string;
  /** Offset of `upText` inside `text` (so positions map back to the real file). */
  upOffset: number;
  layout: MigrationLayout;
  transaction: TransactionMode;
  /** Sort key / version the tool orders by (Flyway version, timestamp prefix, folder name). */
  version: string;
  /** A short human name (Prisma folder name, Flyway description). */
  name: string;
}

/** A 1-based line and column (column counts UTF-16 code units + 1, as editors show). */
export interface Position {
  line: number;
  column: number;
}

export interface Span {
  start: Position;
  end: Position;
  /** Character offsets into MigrationFile.text. */
  startOffset: number;
  endOffset: number;
}

/** One libpg-query node: `{ AlterTableStmt: { ... } }`. */
export type PgNode = Record<string, unknown>;

export interface ParsedStatement {
  /** 0-based index within the file. */
  index: number;
  /** Top-level node type, e.g. `AlterTableStmt`; `Unparsed` when it did not parse. */
  kind: string;
  /** The parsed node (`{ [kind]: {...} }`), or undefined for a syntax error / templated SQL. */
  node: PgNode | undefined;
  /** The statement's source text (without the trailing semicolon). */
  sql: string;
  span: Span;
  /** Set when the statement did not parse. */
  syntaxError?: { message: string; position: Position };
  /** Set when the statement contains template placeholders that were not substituted. */
  templated?: boolean;
  /** Comment lines directly above the statement (for `-- prodguard-ignore`), with their line numbers. */
  leadingComments: { line: number; text: string }[];
}

export interface ParsedFile {
  file: MigrationFile;
  statements: ParsedStatement[];
}
