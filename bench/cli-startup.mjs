// Times `prodguard --version` and `prodguard --help` against the cost of starting Node itself
// (`node -e 0`), measured in the same run. Prints medians and the ratio to the baseline.
// Usage: npm run build && node bench/cli-startup.mjs [runs]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 20);
const bin = fileURLToPath(new URL('../bin/prodguard.js', import.meta.url));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(args) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  // On a noisy machine (CPU steal) the minimum is the most stable figure; print both.
  return { median: median(samples), min: Math.min(...samples) };
}

// Interleave warm-up so both sides see the same file cache.
time(['-e', '0']);
time([bin, '--version']);
const baseline = time(['-e', '0']);
const version = time([bin, '--version']);
const help = time([bin, '--help']);
const row = (label, t) =>
  `${label.padEnd(24)} median ${t.median.toFixed(1)} ms (ratio ${(t.median / baseline.median).toFixed(2)}x)   min ${t.min.toFixed(1)} ms (ratio ${(t.min / baseline.min).toFixed(2)}x, +${(t.min - baseline.min).toFixed(1)} ms)`;
console.log(`runs per case: ${runs} (wall time)`);
console.log(`${'node -e 0 (baseline)'.padEnd(24)} median ${baseline.median.toFixed(1)} ms   min ${baseline.min.toFixed(1)} ms`);
console.log(row('prodguard --version', version));
console.log(row('prodguard --help', help));
