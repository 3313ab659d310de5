// Scan benchmark: `prodguard scan-logs` against ripgrep on a generated 100 MB pino-style NDJSON log
// with planted secrets of every kind, and the redactor's cost per log line beside pino's own.
//
//   npm run build && node bench/scan.mjs [--mb 100] [--runs 3]
//
// The log lives in a temp dir and is removed afterwards. Prints the min of several runs of each
// (the machine is noisy), the ratio, and whether every planted item was found.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const megabytes = flag('mb', 100);
const runs = flag('runs', 3);

// One planted value per detector kind (several per kind get spread over the file).
const PLANTS = [
  ['email', (i) => `customer${i}@example-shop.com`],
  ['phone', (i) => `+49 151 ${String(2000000 + i).padStart(8, '0')}`],
  ['card', () => '4111 1111 1111 1111'],
  ['iban', () => 'DE89370400440532013000'],
  ['jwt', (i) => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyJHtpfSIsIm4iOiR7aX19.${'S'.repeat(20)}${i}abcdEFGH`],
  ['auth-header', (i) => `Bearer tok_${i}_9f8e7d6c5b4a3210`],
  ['aws-access-key', (i) => `AKIA${'ABCDEFGHIJKLMNOP'.slice(0, 14)}${String.fromCharCode(65 + (i % 26))}Q`],
  ['aws-secret-key', (i) => `aws_secret_access_key=${'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE'}${i % 10}`],
  ['github-token', (i) => `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R'}${i % 10}`],
  ['gitlab-token', (i) => `glpat-${'xY3zA9bC8dE7fG6hJ5kL'}${i % 10}`],
  ['slack-token', (i) => `xoxb-123456789012-${1000000000000 + i}-AbCdEfGhIjKlMnOpQrStUvWx`],
  ['stripe-key', (i) => `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}${i % 10}`],
  ['google-api-key', (i) => `AIza${'SyD-9tSrke72PouQMnMX7KbArDNUyc9aZ9'}${i % 10}`],
  ['npm-token', (i) => `npm_${'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, 35)}${i % 10}`],
  ['private-key', () => '-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----'],
  ['url-password', (i) => `postgres://app:pw${i}Secret@db.internal:5432/shop`],
  ['secret-pair', (i) => `password=hunter${i}x`],
];
const PLANTS_PER_KIND = 3;

// Ripgrep's side: an alternation of the same kinds of patterns (PCRE-free, Rust regex syntax).
const RG_PATTERNS = [
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}',
  '\\+[1-9][0-9 .-]{7,18}[0-9]',
  '\\b[2-6][0-9]{3}([ -]?[0-9]){9,15}\\b',
  '\\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\\b',
  'eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}',
  '(?i:bearer|basic)\\s+[A-Za-z0-9._~+/-]{8,}',
  '\\bAKIA[A-Z2-7]{16}\\b',
  '(?i:secret_?access_?key)["\']?\\s*[:=]\\s*["\']?[A-Za-z0-9/+]{40}',
  '\\bgh[pousr]_[A-Za-z0-9]{36}',
  'glpat-[A-Za-z0-9_-]{20}',
  'xox[abeoprs]-[A-Za-z0-9-]{10,}',
  '[sr]k_(live|test)_[A-Za-z0-9]{16,}',
  'AIza[0-9A-Za-z_-]{35}',
  'npm_[A-Za-z0-9]{36}',
  '-----BEGIN [A-Z ]*PRIVATE KEY-----',
  '[a-z][a-z0-9+.-]*://[^\\s/?#@"]+:[^\\s@/"]+@',
  '(?i:password|passwd|secret|api_?key|token)["\']?\\s*[:=]\\s*["\']?[^\\s,;&"\']+',
];
const RG_PATTERN = RG_PATTERNS.join('|');

function generate(file) {
  const target = megabytes * 1024 * 1024;
  const fd = openSync(file, 'w');
  const planted = [];
  const totalPlants = PLANTS.length * PLANTS_PER_KIND;
  const messages = [
    'request completed',
    'user session refreshed',
    'cache miss for key product:1234',
    'GET /api/v1/bookings?page=2 200',
    'background job finished in 124 ms',
    'connection pool stats',
  ];
  let written = 0;
  let line = 0;
  let buffer = '';
  const estimatedLines = Math.floor(target / 230);
  const plantEvery = Math.floor(estimatedLines / (totalPlants + 1));
  let plantIndex = 0;
  const t0 = 1_763_700_000_000;
  while (written < target) {
    line++;
    let msg = messages[line % messages.length];
    if (line % plantEvery === 0 && plantIndex < totalPlants) {
      const [kind, make] = PLANTS[plantIndex % PLANTS.length];
      const value = make(plantIndex);
      planted.push({ kind, line });
      msg = `${msg} ${value}`;
      plantIndex++;
    }
    const entry = `{"level":30,"time":${t0 + line * 7},"pid":48213,"hostname":"web-7f9c8d-x2k4z","reqId":"req-${line.toString(36)}","traceId":"${(line * 2654435761 % 4294967296).toString(16).padStart(8, '0')}a3f1c2d4e5b6","responseTime":${line % 900},"msg":"${msg}"}\n`;
    buffer += entry;
    written += entry.length;
    if (buffer.length > 1 << 20) {
      writeSync(fd, buffer);
      buffer = '';
    }
  }
  writeSync(fd, buffer);
  closeSync(fd);
  return { planted, lines: line, bytes: written };
}

function time(fn) {
  const times = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    result = fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { ms: Math.min(...times), result };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-scan-bench-'));
try {
  const file = path.join(dir, 'app.log');
  const gen = generate(file);
  console.log(`log: ${(gen.bytes / 1048576).toFixed(1)} MB, ${gen.lines} lines, ${gen.planted.length} planted items of ${PLANTS.length} kinds`);

  const bin = path.join(root, 'bin', 'prodguard.js');
  // Interleaved, so a burst of load on this shared machine hits both sides alike.
  const ours = { ms: Infinity, result: undefined };
  const rg = { ms: Infinity, result: undefined };
  for (let i = 0; i < runs; i++) {
    for (const [side, run] of [
      [ours, () => spawnSync(process.execPath, [bin, 'scan-logs', file, '--format', 'json'], { maxBuffer: 1 << 28, encoding: 'utf8' })],
      [rg, () => spawnSync('rg', ['-c', RG_PATTERN, file], { encoding: 'utf8' })],
    ]) {
      const start = process.hrtime.bigint();
      side.result = run();
      side.ms = Math.min(side.ms, Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  if (rg.result.status !== 0 && rg.result.status !== 1) throw new Error(`rg failed: ${rg.result.stderr}`);

  const report = JSON.parse(ours.result.stdout);
  const foundKeys = new Set(report.findings.map((f) => `${f.line}:${f.detector}`));
  const missed = gen.planted.filter((p) => !foundKeys.has(`${p.line}:${p.kind}`));
  const unplanted = report.findings.filter((f) => !gen.planted.some((p) => p.line === f.line));
  console.log(`prodguard scan-logs: ${ours.ms.toFixed(0)} ms (min of ${runs}), ${report.summary.findings} findings, exit ${ours.result.status}`);
  console.log(`rg (${RG_PATTERNS.length}-pattern alternation): ${rg.ms.toFixed(0)} ms (min of ${runs}), ${rg.result.stdout.trim()} matching lines`);
  console.log(`ratio scan-logs / rg: ${(ours.ms / rg.ms).toFixed(2)}x (target <= 3x)`);
  console.log(
    missed.length === 0
      ? `every planted item found (${gen.planted.length}/${gen.planted.length})`
      : `MISSED ${missed.length}: ${missed.map((m) => `${m.kind}@${m.line}`).join(', ')}`,
  );
  if (unplanted.length > 0) console.log(`findings on unplanted lines (false positives): ${unplanted.length}, e.g. ${JSON.stringify(unplanted.slice(0, 3))}`);

  // Redactor vs pino: cost per typical log line.
  const { createRedactor } = await import(path.join(root, 'dist', 'redact', 'index.js'));
  const { pinoRedaction } = await import(path.join(root, 'dist', 'redact', 'pino.js'));
  const { default: pino } = await import('pino');
  const sink = new Writable({ write(_c, _e, cb) { cb(); } });
  const N = 200_000;
  const plain = pino({ level: 'info' }, sink);
  const guarded = pino({ level: 'info', ...pinoRedaction() }, sink);
  const redactor = createRedactor();
  const sampleLine = '{"level":30,"time":1763700000000,"pid":48213,"hostname":"web-7f9c8d-x2k4z","reqId":"req-1a2b","responseTime":42,"msg":"GET /api/v1/bookings?page=2 200"}';
  const perLine = (fn) => time(() => { for (let i = 0; i < N; i++) fn(i); }).ms * 1e6 / N;
  const pinoNs = perLine((i) => plain.info({ reqId: `req-${i}`, responseTime: i % 900 }, 'GET /api/v1/bookings?page=2 200'));
  const guardedNs = perLine((i) => guarded.info({ reqId: `req-${i}`, responseTime: i % 900 }, 'GET /api/v1/bookings?page=2 200'));
  const redactNs = perLine(() => redactor.string(sampleLine));
  console.log(`pino per line: ${pinoNs.toFixed(0)} ns; redactor.string per line: ${redactNs.toFixed(0)} ns; pino with prodguard/pino per line: ${guardedNs.toFixed(0)} ns (${(guardedNs / pinoNs).toFixed(2)}x pino)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
