import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// The parse workers only exist in the built dist/ (npm test builds first): these tests run the
// bin with workers and without, and require the same report byte for byte.

const run = promisify(execFile);
const BIN = new URL('../../bin/prodguard.js', import.meta.url).pathname;
let root: string;

async function lint(args: string[], workers: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, NO_COLOR: '1', PRODGUARD_LINT_WORKERS: String(workers) };
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'lint', ...args], { env, cwd: root, maxBuffer: 1 << 28 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Files that take every path of the parser: whole-file parses, syntax errors, templates, non-ASCII text. */
const SPECIAL: Record<string, string> = {
  'a_syntax.sql': "CREATE TABLE ok (id int);\nALTER TABLE ok ADD COLUMN;\nALTER TABLE existing DROP COLUMN id;\nSELECT 'unterminated",
  'b_template.sql': 'CREATE TABLE {{ .Schema }}.t (id int);\nALTER TABLE t DROP COLUMN x;\n',
  'c_unicode.sql': '-- Ünïcødé 😀\nALTER TABLE "Bücher" DROP COLUMN "名前";\nALTER TABLE "Bücher" RENAME COLUMN "a😀" TO "b";\n',
  'd_ignore.sql': '-- prodguard-ignore ban-drop-column: planned\nALTER TABLE t DROP COLUMN a;\n-- prodguard-ignore renaming-table\nSELECT 1;\n',
  'e_blank.sql': '\n  \n-- only a comment\n',
  'f_dbmate.sql': '-- migrate:up\nCREATE INDEX i ON t (a);\n-- migrate:down\nDROP INDEX i;\n',
  'g_function.sql': "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 'é'; RETURN NEW; END $$ LANGUAGE plpgsql;\nDROP TABLE t2;\n",
};

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'prodguard-pool-'));
  const plain = path.join(root, 'plain');
  mkdirSync(plain);
  for (const [name, text] of Object.entries(SPECIAL)) writeFileSync(path.join(plain, name), text);
  // Enough Prisma migrations (~0.5 MB) for more worker batches than are kept in flight, each
  // depending on the ones before.
  const prisma = path.join(root, 'prisma', 'migrations');
  for (let i = 0; i < 300; i++) {
    const dir = path.join(prisma, `2024${String(i).padStart(6, '0')}_m${i}`);
    mkdirSync(dir, { recursive: true });
    const columns = Array.from({ length: 60 }, (_, k) => `    "c${k}" ${k % 3 === 0 ? 'INTEGER' : 'TEXT'}`).join(',\n');
    const previous = `T${Math.max(0, i - 1)}`;
    writeFileSync(
      path.join(dir, 'migration.sql'),
      `CREATE TABLE "T${i}" (\n    "id" SERIAL NOT NULL,\n${columns},\n    CONSTRAINT "T${i}_pkey" PRIMARY KEY ("id")\n);\n` +
        `ALTER TABLE "${previous}" ALTER COLUMN "c1" SET DATA TYPE BIGINT;\nALTER TABLE "${previous}" DROP COLUMN "c2";\n` +
        `CREATE INDEX "T${i}_idx" ON "${previous}"("c3");\n${i % 17 === 0 ? 'ALTER TABLE oops;\n' : ''}`,
    );
  }
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('lint with parse workers', () => {
  for (const [label, args, workers] of [
    ['json, prisma, 2 workers', ['prisma/migrations', '--format', 'json'], 2],
    ['json, prisma, 1 worker', ['prisma/migrations', '--format', 'json'], 1],
    ['text, plain files', ['plain'], 2],
    ['sarif, plain files', ['plain', '--format', 'sarif'], 2],
  ] as const) {
    it(`reports exactly what the single-threaded run reports (${label})`, async () => {
      const inline = await lint([...args], 0);
      const pooled = await lint([...args], workers);
      expect(inline.stderr).toBe('');
      expect(inline.code).toBe(1);
      expect(inline.stdout.length).toBeGreaterThan(1000);
      expect(pooled).toEqual(inline);
    });
  }

  it('finds the syntax errors and the findings of later statements in the same file', async () => {
    const result = JSON.parse((await lint(['plain', '--format', 'json'], 2)).stdout) as {
      findings: { rule: string; file: string; line: number }[];
    };
    const inSyntax = result.findings.filter((f) => f.file.endsWith('a_syntax.sql')).map((f) => `${f.rule}:${f.line}`);
    expect(inSyntax).toEqual(expect.arrayContaining(['syntax-error:2', 'ban-drop-column:3', 'syntax-error:4']));
    expect(result.findings.some((f) => f.rule === 'templated-sql')).toBe(true);
  });
});

describe('when workers start', () => {
  // The built module: from the TypeScript sources there is no worker script and no pool at all.
  const load = async (): Promise<typeof import('../../src/migrations/parse-pool.js')> =>
    (await import(new URL('../../dist/migrations/parse-pool.js', import.meta.url).href)) as typeof import('../../src/migrations/parse-pool.js');

  it('not for less SQL than PARALLEL_PARSE_MIN_CHARS, unless workers are asked for', async () => {
    const { ParsePool, PARALLEL_PARSE_MIN_CHARS } = await load();
    vi.stubEnv('PRODGUARD_LINT_WORKERS', '');
    try {
      expect(ParsePool.start({ inputChars: PARALLEL_PARSE_MIN_CHARS - 1 })).toBeUndefined();
      const big = ParsePool.start({ inputChars: PARALLEL_PARSE_MIN_CHARS });
      expect(big?.size).toBeGreaterThanOrEqual(1);
      await big?.close();
      const asked = ParsePool.start({ inputChars: 10, workers: 1 });
      expect(asked?.size).toBe(1);
      await asked?.close();
      vi.stubEnv('PRODGUARD_LINT_WORKERS', '2');
      const configured = ParsePool.start({ inputChars: 10 });
      expect(configured?.size).toBe(2);
      await configured?.close();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
