/**
 * SARIF 2.1.0 report for GitHub code scanning and other SARIF consumers: tool metadata with
 * every rule (summary, default level, safety level, help link) and one result per finding. Pure.
 */
import { redactingReplacer } from '../../redact/values.js';
import { artifactLocation } from '../../report/sarif-location.js';
import { BUILTIN_RULES, type LintResult } from '../engine.js';
import { ruleDocPath } from '../define-rule.js';
import { allRules } from '../rules/index.js';
import type { Severity } from '../types.js';

export interface SarifRuleInfo {
  id: string;
  severity: Severity;
  summary: string;
  level?: number | undefined;
  docsUrl?: string | undefined;
}

export interface SarifReportOptions {
  /** Rule metadata; default every registered rule plus the engine's own ids. */
  rules?: readonly SarifRuleInfo[] | undefined;
  /** Base URL that relative docs paths (`docs/rules/<id>.md`) resolve against, for `helpUri`. */
  docsBaseUrl?: string | undefined;
  /** prodguard's version, for `tool.driver.version`. */
  toolVersion?: string | undefined;
}

function helpUri(info: SarifRuleInfo, base: string | undefined): string | undefined {
  const docs = info.docsUrl ?? ruleDocPath(info.id);
  if (/^https?:\/\//.test(docs)) return docs;
  if (base === undefined) return undefined;
  try {
    return new URL(docs, base.endsWith('/') ? base : `${base}/`).href;
  } catch {
    return undefined;
  }
}

function ruleName(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, __, ch: string) => ch.toUpperCase());
}

/**
 * The SARIF log as text. `redact`, when given, sees every string value before it is serialised
 * (and a file path before it becomes a URI): redacting the JSON text afterwards would miss a
 * secret that JSON escaping or percent-encoding changed, so the caller can write the result as is.
 */
export function renderLintSarif(result: LintResult, options: SarifReportOptions = {}, redact?: (text: string) => string): string {
  const infos: SarifRuleInfo[] = [...(options.rules ?? [...allRules, ...BUILTIN_RULES])];
  const index = new Map<string, number>();
  infos.forEach((info, i) => {
    if (!index.has(info.id)) index.set(info.id, i);
  });
  for (const finding of result.findings) {
    if (!index.has(finding.rule)) {
      index.set(finding.rule, infos.length);
      infos.push({ id: finding.rule, severity: finding.severity, summary: finding.rule });
    }
  }
  const rules = infos
    .filter((info, i) => index.get(info.id) === i)
    .map((info) => {
      const uri = helpUri(info, options.docsBaseUrl);
      const rule: Record<string, unknown> = {
        id: info.id,
        name: ruleName(info.id),
        shortDescription: { text: info.summary },
        defaultConfiguration: { level: info.severity },
        properties: info.level === undefined ? { tags: ['postgresql', 'migrations'] } : { tags: ['postgresql', 'migrations'], safetyLevel: info.level },
      };
      if (uri !== undefined) {
        rule['helpUri'] = uri;
        rule['help'] = { text: `${info.summary} See ${uri}` };
      }
      return rule;
    });
  // Rule indexes must point into the deduplicated list.
  const finalIndex = new Map<string, number>(rules.map((rule, i) => [rule['id'] as string, i]));

  const results = result.findings.map((finding) => {
    const item: Record<string, unknown> = {
      ruleId: finding.rule,
      ruleIndex: finalIndex.get(finding.rule),
      level: finding.severity,
      message: { text: `${finding.message}\nhelp: ${finding.help}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: artifactLocation(redact === undefined ? finding.file : redact(finding.file)),
            region: {
              startLine: finding.line,
              startColumn: finding.column,
              endLine: finding.endLine,
              endColumn: finding.endColumn,
            },
          },
        },
      ],
    };
    if (finding.fix !== undefined) item['properties'] = { fix: finding.fix };
    return item;
  });

  const driver: Record<string, unknown> = { name: 'prodguard', rules };
  if (options.toolVersion !== undefined) driver['version'] = options.toolVersion;
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        columnKind: 'utf16CodeUnits',
        results,
        properties: { pgVersion: result.pgVersion, summary: result.summary },
      },
    ],
  };
  return `${JSON.stringify(sarif, redact === undefined ? undefined : redactingReplacer(redact), 2)}\n`;
}
