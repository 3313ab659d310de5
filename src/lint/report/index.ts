/** Lint report renderers: pure functions from a LintResult to text. */
export { renderLintText, type TextReportOptions } from './text.js';
export { renderLintJson, lintJson, lintJsonStream, type LintJson, type LintJsonStream } from './json.js';
export { renderLintSarif, type SarifReportOptions, type SarifRuleInfo } from './sarif.js';
export { renderLintGithub, escapeData, escapeProperty } from './github.js';
