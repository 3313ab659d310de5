/**
 * changing-column-type: `ALTER COLUMN ... TYPE` rewrites the whole table and rebuilds its indexes
 * under an ACCESS EXCLUSIVE lock, except for changes PostgreSQL proves need no rewrite (the USING
 * expression leaves the value alone and the old type is binary coercible to the new one):
 * varchar(n) to varchar(m >= n) or text or unconstrained varchar, numeric(p,s) to numeric(q >= p,s)
 * or unconstrained numeric, varbit widening, cidr to inet, timestamp/time precision increases, and
 * (PostgreSQL 12+) timestamp <-> timestamptz when the session TimeZone is UTC.
 *
 * The old type is only known when the run declared it (CREATE TABLE, ADD COLUMN, an earlier type
 * change). When it is not, a target that could be such a widening is reported as a warning that
 * says so; anything else is an error. Tables created earlier in the run are skipped.
 */
import { defineRule } from '../define-rule.js';
import { declaredType, type ColumnType } from '../columns.js';
import type { QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

interface StringNode {
  String?: { sval: string };
}
interface TypeNameNode {
  names?: StringNode[];
  typmods?: Node[];
  arrayBounds?: unknown[];
}
interface ColumnDef {
  colname?: string;
  typeName?: TypeNameNode;
  collClause?: { collname?: StringNode[] };
  raw_default?: Node;
  location?: number;
}
interface RangeVar {
  schemaname?: string;
  relname: string;
}
interface AlterTableCmd {
  subtype: string;
  name?: string;
  missing_ok?: boolean;
  def?: { ColumnDef?: ColumnDef };
}

export type Verdict = 'no-rewrite' | 'rewrite' | 'indexes' | 'timezone' | 'unknown';

/** Targets that some old type reaches without a rewrite: with the old type unknown, only a warning. */
const WIDENING_TARGETS: Record<string, string> = {
  varchar: 'a varchar with a smaller or equal length limit, or text',
  text: 'varchar',
  numeric: 'a numeric with a smaller or equal precision and the same scale',
  varbit: 'a bit varying with a smaller or equal length limit',
  inet: 'cidr',
  timestamp: 'timestamp with a lower precision, or timestamptz with the session TimeZone set to UTC on PostgreSQL 12+',
  timestamptz: 'timestamptz with a lower precision, or timestamp with the session TimeZone set to UTC on PostgreSQL 12+',
  time: 'time with a lower precision',
  timetz: 'timetz with a lower precision',
  interval: 'an interval with a narrower range or precision',
};

const DISPLAY_NAMES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  bpchar: 'char',
  varbit: 'bit varying',
};

const UTC_ZONES = new Set(['utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'z', 'zulu', 'universal', 'etc/universal', 'gmt0', 'etc/gmt0', 'greenwich']);

export default defineRule({
  id: 'changing-column-type',
  severity: 'error',
  level: 3,
  summary:
    'ALTER COLUMN TYPE rewrites the whole table under an ACCESS EXCLUSIVE lock, except widenings that need no rewrite (varchar(n) to larger or text, numeric precision increase, ...).',
  on: ['VariableSetStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.node) return;

    switch (ctx.statement.kind) {
      case 'VariableSetStmt': {
        const stmt = ctx.node as { kind?: string; name?: string; args?: Node[] };
        if (stmt.kind === 'VAR_RESET_ALL') ctx.fileMemory.delete('utc');
        if (stmt.name !== 'timezone') return;
        const zone = (stmt.args?.[0]?.['A_Const'] as { sval?: { sval?: string } } | undefined)?.sval?.sval;
        if (stmt.kind === 'VAR_SET_VALUE' && zone !== undefined && UTC_ZONES.has(zone.toLowerCase())) ctx.fileMemory.set('utc', true);
        else ctx.fileMemory.delete('utc');
        return;
      }
      case 'AlterTableStmt':
        break;
      default:
        return;
    }

    const stmt = ctx.node as { relation?: RangeVar; cmds?: { AlterTableCmd?: AlterTableCmd }[]; objtype?: string };
    if (stmt.objtype !== 'OBJECT_TABLE' || !stmt.relation) return;
    const table = tableOf(stmt.relation);
    const isNew = ctx.state.isNewTable(table);
    // Columns typed (or dropped: undefined) by earlier commands of this statement; the run state
    // takes the statement in only after every rule has seen it.
    const here = new Map<string, ColumnType | undefined>();
    const utc = ctx.fileMemory.get('utc') === true;

    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      const def = cmd?.def?.ColumnDef;
      if (!cmd) continue;
      if (cmd.subtype === 'AT_AddColumn' && def?.colname !== undefined && def.typeName) {
        // ADD COLUMN IF NOT EXISTS may have met an existing column of another type.
        here.set(def.colname, cmd.missing_ok ? undefined : declaredType(def));
        continue;
      }
      if (cmd.name === undefined) continue;
      if (cmd.subtype === 'AT_DropColumn') {
        here.set(cmd.name, undefined);
        continue;
      }
      if (cmd.subtype !== 'AT_AlterColumnType' || !def?.typeName) continue;

      const from = here.has(cmd.name) ? here.get(cmd.name) : ctx.state.columnType(table, cmd.name);
      const to = declaredType(def);
      here.set(cmd.name, to);
      if (isNew) continue;

      const plain = plainUsing(def, cmd.name);
      const verdict = from ? typeChangeVerdict(from, to, plain, ctx.pgVersion, utc) : plain && WIDENING_TARGETS[to.name] && !to.array ? 'unknown' : 'rewrite';
      if (verdict === 'no-rewrite') continue;
      const column = `${display(table)}.${quote(cmd.name)}`;
      const toSql = typeSql(to);
      const change = from ? `from ${typeSql(from)} to ${toSql}` : `to ${toSql}`;
      const location = def.location !== undefined ? { location: def.location } : {};
      const expandContract =
        `Expand and contract: add a new column of type ${toSql}; keep it in sync (a trigger, or writes to both); backfill it in batches; ` +
        'switch reads to it and deploy; drop the old column in a later migration. ' +
        'Only widenings change the type in place without a rewrite: varchar(n) to a larger varchar or to text, numeric(p,s) to a larger precision with the same scale or to plain numeric, cidr to inet.';

      switch (verdict) {
        case 'rewrite':
          ctx.report({
            message:
              `Changing the type of ${column} ${change} rewrites the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock` +
              (plain ? '' : ' (the USING expression recomputes every row)') +
              ': every read and write on the table waits until it finishes, and clients that expect the old type may break.',
            help: expandContract,
            ...location,
          });
          break;
        case 'indexes':
          ctx.report({
            message: `Changing the collation of ${column} rebuilds every index on the column under an ACCESS EXCLUSIVE lock: reads and writes on the table wait until the rebuild ends, and ordering and uniqueness may change.`,
            help: `${expandContract} Or build the new indexes CONCURRENTLY with the new collation (COLLATE in the index definition) and switch queries to them.`,
            ...location,
          });
          break;
        case 'timezone':
          ctx.report({
            severity: 'warning',
            message:
              `Changing the type of ${column} ${change} rewrites the whole table under an ACCESS EXCLUSIVE lock unless the session TimeZone is UTC, ` +
              'in which case PostgreSQL 12+ only changes the catalog; the conversion also reads each stored value in the session time zone.',
            help:
              "If the stored values are UTC, run SET timezone = 'UTC' right before the statement in the same migration: no rewrite, and the values keep their meaning. " +
              `If they are in another zone, the conversion must rewrite (USING ... AT TIME ZONE '<zone>'): use expand and contract instead.`,
            fix: `SET timezone = 'UTC';\n${ctx.statement.sql.trim()};`,
            ...location,
          });
          break;
        case 'unknown':
          ctx.report({
            severity: 'warning',
            message:
              `Changing the type of ${column} ${change} rewrites the whole table under an ACCESS EXCLUSIVE lock unless the column is currently ${WIDENING_TARGETS[to.name] ?? 'a narrower type'}; ` +
              'its current type is not declared in the linted migrations, so prodguard cannot tell.',
            help: `If it is such a widening, PostgreSQL only changes the catalog: say so with \`-- prodguard-ignore changing-column-type: widening from <old type>\`. Otherwise: ${expandContract}`,
            ...location,
          });
          break;
        default:
          break;
      }
    }
  },
});

/**
 * What changing a column from one declared type to another costs: no rewrite, a rewrite, index
 * rebuilds only (collation), or no rewrite only with the session TimeZone UTC (timestamp <->
 * timestamptz, PostgreSQL 12+; `utc` says whether it is set so).
 */
export function typeChangeVerdict(from: ColumnType, to: ColumnType, plainUsing: boolean, pgVersion: number, utc: boolean): Verdict {
  if (!plainUsing) return 'rewrite';
  if (from.array !== to.array) return 'rewrite';
  const verdict = compareBase(from, to, pgVersion, utc);
  if (from.array && verdict === 'no-rewrite' && !(from.name === to.name && sameMods(from.mods, to.mods))) return 'rewrite';
  // No COLLATE on the new type means the type's default collation: a column declared with another
  // one changes collation too.
  if (verdict === 'no-rewrite' && to.collation !== from.collation) return 'indexes';
  return verdict;
}

function compareBase(from: ColumnType, to: ColumnType, pgVersion: number, utc: boolean): Verdict {
  // Modifiers that are not integers (PostGIS's geometry(Point,4326)) are applied by a function:
  // only the very same ones leave the values alone.
  if (from.otherMods !== undefined || to.otherMods !== undefined) {
    return from.name === to.name && from.otherMods === to.otherMods && sameMods(from.mods, to.mods) ? 'no-rewrite' : 'rewrite';
  }
  if (from.name === to.name) {
    if (sameMods(from.mods, to.mods)) return 'no-rewrite';
    switch (to.name) {
      case 'varchar':
      case 'varbit':
        return widens(from.mods?.[0], to.mods?.[0]) ? 'no-rewrite' : 'rewrite';
      case 'timestamp':
      case 'timestamptz':
      case 'time':
      case 'timetz':
        // PostgreSQL's TemporalSimplify: a precision of 6 (the most there is) keeps any value.
        return widens(from.mods?.[0], to.mods?.[0]) || (to.mods?.[0] ?? 0) >= 6 ? 'no-rewrite' : 'rewrite';
      case 'numeric': {
        if (to.mods === undefined) return 'no-rewrite';
        if (from.mods === undefined) return 'rewrite';
        const sameScale = (from.mods[1] ?? 0) === (to.mods[1] ?? 0);
        return sameScale && (to.mods[0] ?? 0) >= (from.mods[0] ?? 0) ? 'no-rewrite' : 'rewrite';
      }
      case 'interval':
        return to.mods === undefined ? 'no-rewrite' : 'rewrite';
      default:
        return 'rewrite';
    }
  }
  if (from.name === 'varchar' && to.name === 'text') return 'no-rewrite';
  if (from.name === 'text' && to.name === 'varchar' && to.mods === undefined) return 'no-rewrite';
  if (from.name === 'cidr' && to.name === 'inet') return 'no-rewrite';
  const timestamps = new Set(['timestamp', 'timestamptz']);
  if (timestamps.has(from.name) && timestamps.has(to.name) && widens(from.mods?.[0], to.mods?.[0])) {
    if (pgVersion < 12) return 'rewrite';
    return utc ? 'no-rewrite' : 'timezone';
  }
  return 'rewrite';
}

/** A length or precision limit that stays or grows; no limit is the widest. */
function widens(from: number | undefined, to: number | undefined): boolean {
  if (to === undefined) return true;
  if (from === undefined) return false;
  return to >= from;
}

function sameMods(a: number[] | undefined, b: number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((mod, i) => mod === b[i]);
}

function typeSql(type: ColumnType): string {
  const name = DISPLAY_NAMES[type.name] ?? type.name.split('.').map((part) => (/^[a-z_][a-z0-9_]*$/.test(part) ? part : quote(part))).join('.');
  const mods = type.otherMods ?? type.mods?.join(',');
  return `${name}${mods !== undefined ? `(${mods})` : ''}${type.array ? '[]' : ''}`;
}

/**
 * Whether ALTER COLUMN ... TYPE keeps the values as they are: no USING, `USING col` itself, or
 * `USING col::<the new type>` (Django writes it for every type change): PostgreSQL plans that
 * cast like the implicit one, so a widening still skips the rewrite.
 */
export function plainUsing(def: { raw_default?: unknown; typeName?: ColumnDefType['typeName'] }, column: string): boolean {
  if (def.raw_default === undefined) return true;
  const expr = def.raw_default as Node;
  if (isColumnItself(expr, column)) return true;
  const cast = expr['TypeCast'] as { arg?: Node; typeName?: ColumnDefType['typeName'] } | undefined;
  if (cast?.arg === undefined || cast.typeName === undefined || def.typeName === undefined || !isColumnItself(cast.arg, column)) return false;
  const target = declaredType({ typeName: cast.typeName });
  const to = declaredType({ typeName: def.typeName });
  return target.name === to.name && target.array === to.array && target.otherMods === to.otherMods && sameMods(target.mods, to.mods);
}

type ColumnDefType = Parameters<typeof declaredType>[0];

/** `USING col`: the value unchanged, which still allows a change without rewrite. */
function isColumnItself(expr: Node, column: string): boolean {
  const fields = (expr['ColumnRef'] as { fields?: StringNode[] } | undefined)?.fields;
  return fields?.at(-1)?.String?.sval === column;
}

function tableOf(relation: RangeVar): QualifiedName {
  return { schema: relation.schemaname, name: relation.relname };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
