// Fails the CI run when the test results show a run that only looks green: no tests, skipped
// or todo tests, or a database test file that did not run.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const file = process.argv[2] ?? 'test-results/results.json';
const results = JSON.parse(readFileSync(file, 'utf8'));
const problems = [];

if (!results.numTotalTests) problems.push('no tests ran');
if (results.numFailedTests) problems.push(`${results.numFailedTests} tests failed`);
if (results.numPendingTests) problems.push(`${results.numPendingTests} tests were skipped`);
if (results.numTodoTests) problems.push(`${results.numTodoTests} tests are todo`);

// Files whose tests talk to a real PostgreSQL server: each must have run and passed tests.
const databaseFiles = [
  'test/db/adapters.test.ts',
  'test/db/embedded-postgres.test.ts',
  'test/identity/environment.test.ts',
  'test/preflight/preflight.test.ts',
  'test/cli/cli.test.ts',
  'test/cli/secrets.test.ts',
  'test/integrity/compare.test.ts',
  'test/integrity/property.test.ts',
  'test/backup/backup.test.ts',
];
const byFile = new Map();
for (const suite of results.testResults ?? []) {
  const rel = path.relative(process.cwd(), suite.name);
  const passed = (suite.assertionResults ?? []).filter((a) => a.status === 'passed').length;
  byFile.set(rel, passed);
}
for (const f of databaseFiles) {
  if (!byFile.get(f)) problems.push(`database tests in ${f} did not run`);
}

const passed = results.numPassedTests ?? 0;
if (problems.length > 0) {
  console.error(`CI check failed:\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log(`CI check passed: ${passed} tests in ${byFile.size} files, database tests ran in ${databaseFiles.length} files.`);
