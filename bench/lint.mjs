// Lints a generated corpus of Prisma-style migrations with prodguard and with squawk in the same
// run and prints both wall times and the ratio. The corpus is generated here (not committed).
// Usage: npm run build && node bench/lint.mjs [files=3000] [runs=3]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { requireFreshBuild } = await import('./fresh.mjs');
requireFreshBuild(root);
const fileCount = Number(process.argv[2] ?? 3000);
const runs = Number(process.argv[3] ?? 3);
const corpus = path.join(root, 'bench', '.corpus', 'lint');

// A small deterministic PRNG so every run lints the same corpus.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (list) => list[Math.floor(rand() * list.length)];

const TYPES = ['TEXT', 'INTEGER', 'BIGINT', 'BOOLEAN NOT NULL DEFAULT false', 'TIMESTAMP(3)', 'DOUBLE PRECISION', 'JSONB', 'VARCHAR(191)', 'UUID'];
const WORDS = ['user', 'account', 'booking', 'invoice', 'payment', 'session', 'team', 'event', 'schedule', 'webhook', 'credential', 'membership', 'workflow', 'attendee', 'reminder'];

function tableName(i) {
  return `${pick(WORDS)[0].toUpperCase()}${pick(WORDS).slice(1)}${i}`;
}

function migration(i) {
  const parts = [];
  const t = tableName(i);
  const cols = Array.from({ length: 8 + Math.floor(rand() * 16) }, (_, k) => `    "${pick(WORDS)}${k}" ${pick(TYPES)}`);
  parts.push(`-- CreateEnum\nCREATE TYPE "${t}Status" AS ENUM ('ACCEPTED', 'PENDING', 'CANCELLED', 'REJECTED');\n`);
  parts.push(`-- CreateTable\nCREATE TABLE "${t}" (\n    "id" SERIAL NOT NULL,\n${cols.join(',\n')},\n    "status" "${t}Status" NOT NULL DEFAULT 'PENDING',\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n\n    CONSTRAINT "${t}_pkey" PRIMARY KEY ("id")\n);\n`);
  parts.push(`-- CreateIndex\nCREATE UNIQUE INDEX "${t}_uid_key" ON "${t}"("${pick(WORDS)}0");\n`);
  const other = `${pick(WORDS)[0].toUpperCase()}${pick(WORDS).slice(1)}${Math.max(0, i - 1)}`;
  // About 3.3 KB per file on average, so 3000 files make the ~10 MB corpus the issue asks for.
  for (let k = 0; k < 20 + Math.floor(rand() * 24); k++) {
    switch (Math.floor(rand() * 10)) {
      case 0: parts.push(`-- AlterTable\nALTER TABLE "${other}" ADD COLUMN "${pick(WORDS)}${k}" TEXT;\n`); break;
      case 1: parts.push(`-- AlterTable\nALTER TABLE "${other}" DROP COLUMN "${pick(WORDS)}${k}";\n`); break;
      case 2: parts.push(`-- AlterTable\nALTER TABLE "${other}" ALTER COLUMN "${pick(WORDS)}${k}" SET NOT NULL;\n`); break;
      case 3: parts.push(`-- CreateIndex\nCREATE INDEX "${other}_${k}_idx" ON "${other}"("${pick(WORDS)}${k}");\n`); break;
      case 4: parts.push(`-- AddForeignKey\nALTER TABLE "${other}" ADD CONSTRAINT "${other}_${k}_fkey" FOREIGN KEY ("${pick(WORDS)}Id") REFERENCES "${t}"("id") ON DELETE CASCADE ON UPDATE CASCADE;\n`); break;
      case 5: parts.push(`-- AlterTable\nALTER TABLE "${other}" ALTER COLUMN "${pick(WORDS)}${k}" SET DATA TYPE BIGINT;\n`); break;
      case 6: parts.push(`UPDATE "${other}" SET "${pick(WORDS)}${k}" = 'x' WHERE "id" > ${k * 100};\n`); break;
      case 7: parts.push(`-- RenameColumn\nALTER TABLE "${other}" RENAME COLUMN "${pick(WORDS)}${k}" TO "${pick(WORDS)}${k}New";\n`); break;
      case 8: parts.push(`-- AlterTable\nALTER TABLE "${other}" ADD COLUMN "${pick(WORDS)}${k}" INTEGER NOT NULL DEFAULT 0;\n`); break;
      default: parts.push(`-- DropIndex\nDROP INDEX "${other}_${k}_idx";\n`);
    }
  }
  return parts.join('\n');
}

function generate(dir, count) {
  rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const folder = path.join(dir, 'prisma', 'migrations', `2024${String(100000 + i).padStart(8, '0')}_m${i}`);
    mkdirSync(folder, { recursive: true });
    const text = migration(i);
    bytes += Buffer.byteLength(text);
    writeFileSync(path.join(folder, 'migration.sql'), text);
  }
  return bytes;
}

function timeCommand(cmd, args, cwd = root) {
  const samples = [];
  let status;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30 });
    samples.push(Number(process.hrtime.bigint() - started) / 1e9);
    status = result.status;
    if (status !== 0 && status !== 1) throw new Error(`${cmd} exited ${status}: ${result.stderr}`);
  }
  samples.sort((a, b) => a - b);
  // On a shared machine (CPU steal) the minimum is the most stable figure; print both.
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], status };
}

// squawk is installed on demand into bench/.tools (not a devDependency: the registry here has only
// its linux-x64 binary package, so a lockfile entry for it would break `npm ci`).
const SQUAWK_VERSION = '2.66.0';
const tools = path.join(root, 'bench', '.tools');
const squawk = path.join(tools, 'node_modules', '.bin', 'squawk');
if (!existsSync(squawk)) {
  console.log(`installing squawk-cli@${SQUAWK_VERSION} into bench/.tools ...`);
  mkdirSync(tools, { recursive: true });
  const install = spawnSync('npm', ['install', '--prefix', tools, '--no-save', '--no-audit', '--no-fund', `squawk-cli@${SQUAWK_VERSION}`], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error('could not install squawk-cli');
}
const prodguard = path.join(root, 'bin', 'prodguard.js');

// The floor: the same command with every rule turned off in a config (discovery, the WASM parser,
// reading its trees, the engine's own checks and the report), so the rules' share can be told
// apart from the parser's.
const floorDir = path.join(corpus, 'no-rules');
mkdirSync(floorDir, { recursive: true });
const ruleIds = JSON.parse(spawnSync(process.execPath, [path.join(root, 'bin', 'prodguard.js'), 'rules', '--format', 'json'], { encoding: 'utf8' }).stdout).map((rule) => rule.id);
writeFileSync(path.join(floorDir, 'prodguard.config.json'), JSON.stringify({ lint: { rules: Object.fromEntries(ruleIds.map((id) => [id, 'off'])) } }));

const node = timeCommand(process.execPath, ['-e', '0']);
console.log(`node -e 0 (start-up floor): ${node.min.toFixed(3)} s / ${node.median.toFixed(3)} s (min / median of ${runs})`);

for (const [label, count] of [['project (200 files)', 200], [`large (${fileCount} files)`, fileCount]]) {
  const dir = path.join(corpus, String(count));
  const bytes = generate(dir, count);
  const migrations = path.join(dir, 'prisma', 'migrations');
  const files = readdirSync(migrations).map((d) => path.join(migrations, d, 'migration.sql'));
  const pg = timeCommand(process.execPath, [prodguard, 'lint', migrations, '--format', 'json']);
  const floor = timeCommand(process.execPath, [prodguard, 'lint', migrations, '--format', 'json'], floorDir);
  const sq = timeCommand(squawk, ['--reporter', 'gcc', ...files]);
  console.log(`${label}: ${(bytes / 1e6).toFixed(1)} MB, ${runs} runs (min / median)`);
  console.log(`  prodguard lint  ${pg.min.toFixed(3)} s / ${pg.median.toFixed(3)} s`);
  console.log(`  prodguard lint, every rule off (floor) ${floor.min.toFixed(3)} s / ${floor.median.toFixed(3)} s`);
  console.log(`  squawk          ${sq.min.toFixed(3)} s / ${sq.median.toFixed(3)} s`);
  console.log(`  ratio prodguard/squawk ${(pg.min / sq.min).toFixed(2)}x (min)  ${(pg.median / sq.median).toFixed(2)}x (median)`);
  console.log(`  ratio floor/squawk     ${(floor.min / sq.min).toFixed(2)}x (min)  ${(floor.median / sq.median).toFixed(2)}x (median)`);
}
