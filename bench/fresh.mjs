// Benchmarks run against dist/: a dist/ older than src/ measures code that is no longer there
// (a stale build once reported the fingerprint with a bit_xor it had dropped, 1.70x instead of
// 1.43x). Import this first; it stops with a clear message unless the build is current.
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Source files under `src` whose compiled `.js` in `dist` is missing or older. */
export function staleOutputs(root) {
  const stale = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const out = path.join(root, 'dist', path.relative(path.join(root, 'src'), file)).replace(/\.ts$/, '.js');
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs) stale.push(path.relative(root, file));
      }
    }
  };
  walk(path.join(root, 'src'));
  // The bin runs the bundle (scripts/bundle.mjs): it must be newer than the compiled files too.
  const bundle = path.join(root, 'dist', 'bundle', 'cli.js');
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestMtime(path.join(root, 'dist'))) stale.push('dist/bundle (scripts/bundle.mjs)');
  return stale;
}

/** The newest modification time of the compiled files under dist (not the bundle itself). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'bundle') newest = Math.max(newest, newestMtime(file));
    } else if (entry.name.endsWith('.js')) newest = Math.max(newest, statSync(file).mtimeMs);
  }
  return newest;
}

export function requireFreshBuild(root) {
  const stale = staleOutputs(root);
  if (stale.length === 0) return;
  console.error(`dist/ is older than ${stale.length} source file(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', ...' : ''}): run \`npm run build\` first.`);
  process.exit(2);
}
