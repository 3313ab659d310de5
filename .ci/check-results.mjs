// Fails the CI run when the test results show a run that only looks green: no tests, skipped
// or todo tests, or a database test file that did not run.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const file = process.argv[2] ?? 'test-results/results.json';
const results = JSON.parse(readFileSync(file, 'utf8'));
const problems = [];

if (!results.numTotalTests) problems.push('no tests ran');
if (results.numFailedTests) problems.push(`${results.numFailedTests} tests failed`);
if (results.numPendingTests) problems.push(`${results.numPendingTests} tests were skipped`);
if (results.numTodoTests) problems.push(`${results.numTodoTests} tests are todo`);

// Files whose tests talk to a real service: every test file that imports the PostgreSQL, Redis or
// browser test helpers, the embedded server setup, or opens a database (PostgreSQL or PGlite). Each must have run and passed tests; found by content, so a new file
// cannot be forgotten here.
function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}
const serviceHelper = /from '(?:\.\.\/)+(?:helpers\/(?:pg|redis|browser)|setup\/postgres|src\/db\/open)\.js'/;
const databaseFiles = testFiles('test').filter((f) => serviceHelper.test(readFileSync(f, 'utf8'))).sort();
if (databaseFiles.length < 9) problems.push(`only ${databaseFiles.length} test files use a real service; expected at least 9`);
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
console.log(`CI check passed: ${passed} tests in ${byFile.size} files, service tests ran in ${databaseFiles.length} files.`);
