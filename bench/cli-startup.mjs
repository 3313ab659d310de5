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
  return median(samples);
}

// Interleave warm-up so both sides see the same file cache.
time(['-e', '0']);
time([bin, '--version']);
const baseline = time(['-e', '0']);
const version = time([bin, '--version']);
const help = time([bin, '--help']);
console.log(`runs per case: ${runs} (median wall time)`);
console.log(`node -e 0 (baseline)     ${baseline.toFixed(1)} ms`);
console.log(`prodguard --version      ${version.toFixed(1)} ms   ratio ${(version / baseline).toFixed(2)}x   over baseline +${(version - baseline).toFixed(1)} ms`);
console.log(`prodguard --help         ${help.toFixed(1)} ms   ratio ${(help / baseline).toFixed(2)}x   over baseline +${(help - baseline).toFixed(1)} ms`);
