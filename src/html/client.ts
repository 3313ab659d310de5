/// <reference lib="dom" />
/**
 * The page script of the dashboard and of HTML reports. It runs in the browser: the page inlines
 * `dashboardClient.toString()` and calls it with `clientKit()` (src/html/client-kit.ts), so this
 * function must be self-contained (no imports at runtime, no references to module scope). Everything it shows is built with DOM nodes and textContent,
 * never innerHTML, so data from the database cannot inject markup.
 *
 * Live mode fetches each view from the server's JSON API and follows `/api/events`
 * (server-sent events) for test-data updates, falling back to polling; report mode renders the
 * data embedded in the page and never touches the network.
 */
import type { CheckFinding, CheckReport, StatementCheck } from '../check/types.js';
import type { PhaseResult } from '../deploy/types.js';
import type { DeployReport, DeployRun } from '../deploy/types.js';
import type { VerifyRun } from '../verify/history.js';
import type {
  ComparisonEntry,
  DeploysView,
  EnvironmentsView,
  EnvironmentStatus,
  IntegrityView,
  LintView,
  PageConfig,
  TestdataView,
  VerifyView,
  ViewName,
} from './types.js';
import type { Child, ClientKit } from './client-kit.js';

export function dashboardClient(kit: ClientKit): void {
  const { h, fmt, ms, bytes, when, badge, card, note, slug, barChart, trendChart, markdown } = kit;

  const configElement = document.getElementById('prodguard-config');
  const config = JSON.parse(configElement?.textContent ?? '{}') as PageConfig;
  const main = document.getElementById('view') as HTMLElement;
  const nav = document.getElementById('nav') as HTMLElement;
  const meta = document.getElementById('meta') as HTMLElement;
  const bearer = config.mode === 'live' ? takeToken() : null;
  const authHeaders = (): Record<string, string> => (bearer ? { Authorization: `Bearer ${bearer}` } : {});

  const TITLES: Record<ViewName, string> = {
    overview: 'Overview',
    testdata: 'Test data',
    integrity: 'Integrity',
    verify: 'Verify',
    deploys: 'Deploys',
    lint: 'Lint',
    check: 'Check',
  };
  /** The API endpoint behind each live view (`check` exists only in report files). */
  const ENDPOINTS: Partial<Record<ViewName, string>> = {
    overview: 'environments',
    testdata: 'testdata',
    integrity: 'integrity',
    verify: 'verify',
    deploys: 'deploys',
    lint: 'lint',
  };
  const PER_ENVIRONMENT: ViewName[] = ['testdata', 'verify', 'deploys'];

  let current: ViewName = config.views[0] ?? 'overview';
  let environment: string | undefined = config.environments[0];
  let events: EventSource | undefined;
  let poll: number | undefined;

  /**
   * The dashboard's access token, sent on to the API. A page opened with a token parameter keeps
   * it in sessionStorage (this tab only) and drops it from the address bar, so it does not stay in
   * the history, in bookmarks or on screen.
   */
  function takeToken(): string | null {
    const KEY = 'prodguard-token';
    const params = new URLSearchParams(location.search);
    const fromUrl = params.get('token');
    if (fromUrl === null) {
      try {
        return sessionStorage.getItem(KEY);
      } catch {
        return null;
      }
    }
    try {
      sessionStorage.setItem(KEY, fromUrl);
    } catch {
      // Storage refused (privacy mode): the token lives in this page's memory only.
    }
    params.delete('token');
    const search = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
    return fromUrl;
  }

  // ---------------------------------------------------------------- views

  const ran = (p: PhaseResult) => p.status !== 'not-run' && p.status !== 'skip';

  function phaseChips(phases: PhaseResult[]): HTMLElement {
    return h(
      'div',
      { class: 'phases' },
      ...phases.map((p) => h('span', { class: `phase ${p.status}`, title: p.skipReason ? `skipped: ${p.skipReason}` : p.message, 'data-phase': p.phase }, `${p.phase} ${p.status}${ran(p) ? ` · ${ms(p.durationMs)}` : ''}`)),
    );
  }

  const outcomeClass = (outcome: string) => (outcome === 'passed' ? 'pass' : outcome === 'failed' ? 'fail' : 'pending');

  function overviewView(data: EnvironmentsView): HTMLElement {
    if (data.environments.length === 0) {
      return card(note('No environments: declare them in prodguard.config (environments: [...]) or start with --db URL.'));
    }
    const envCard = (env: EnvironmentStatus) =>
      h(
        'div',
        { class: 'card', 'data-testid': `env-${slug(env.name)}` },
        h('h3', {}, env.name, ' ', env.kind ? badge(env.kind === 'production' ? 'fail' : 'pending', env.kind) : null, env.protected ? h('span', { class: 'muted' }, ' protected') : null),
        h('div', { class: 'muted' }, env.url ?? 'no URL'),
        h(
          'p',
          {},
          env.reachable ? badge('pass', 'REACHABLE') : badge('fail', 'UNREACHABLE'),
          env.reachable ? ` ${ms(env.latencyMs)}${env.serverVersion ? ` · PostgreSQL ${env.serverVersion}` : ''}` : '',
        ),
        env.error ? h('p', { class: 'fail' }, env.error) : null,
        h(
          'p',
          {},
          h('strong', {}, 'Identity: '),
          env.identity ? `${env.identity.name} (${env.identity.kind}), marked ${when(env.identity.markedAt)} by ${env.identity.markedBy}` : env.reachable ? 'not marked (prodguard env mark)' : '–',
          env.identityMatches === false ? h('span', { class: 'fail' }, ` — recorded kind differs from the declared ${env.kind ?? ''}`) : null,
        ),
        h(
          'div',
          {},
          h('strong', {}, 'Last deploy: '),
          env.lastDeploy
            ? h('span', { 'data-testid': 'last-deploy' }, badge(outcomeClass(env.lastDeploy.outcome), env.lastDeploy.outcome.toUpperCase()), ` #${env.lastDeploy.id} ${when(env.lastDeploy.startedAt)} · ${ms(env.lastDeploy.durationMs)}`)
            : env.reachable
              ? 'none recorded'
              : '–',
          env.lastDeploy ? phaseChips(env.lastDeploy.phases) : null,
        ),
        env.gate
          ? h('p', { 'data-testid': 'gate' }, h('strong', {}, `Gate to ${env.gate.to}: `), badge(env.gate.open ? 'open' : 'closed'), ' ', h('span', { class: 'muted' }, env.gate.message))
          : null,
      );
    return h('div', {}, h('div', { class: 'cards' }, ...data.environments.map(envCard)));
  }

  function testdataView(data: TestdataView): HTMLElement {
    const root = h('div', { 'data-testid': 'testdata' });
    if (data.error) root.append(h('div', { class: 'card alert' }, h('p', { class: 'fail' }, data.error)));
    const summary = data.summary;
    if (!summary) return root;
    root.append(
      h(
        'div',
        { class: 'row' },
        card(h('div', { class: 'muted' }, 'Test rows'), h('div', { class: 'big', 'data-testid': 'testdata-total' }, fmt(summary.total))),
        card(h('div', { class: 'muted' }, `Stale (older than ${summary.retentionHours} h)`), h('div', { class: `big ${summary.stale > 0 ? 'fail' : 'pass'}`, 'data-testid': 'testdata-stale' }, fmt(summary.stale))),
        card(h('div', { class: 'muted' }, 'Estimated storage'), h('div', { class: 'big', 'data-testid': 'testdata-storage' }, bytes(summary.storageBytes))),
        summary.status
          ? card(h('div', { class: 'muted' }, `By ${summary.status.column}`), h('div', {}, `${fmt(summary.status.active)} active · ${fmt(summary.status.cancelled)} cancelled · ${fmt(summary.status.other)} other`))
          : null,
      ),
    );
    for (const alert of data.alerts) root.append(h('div', { class: 'card alert', 'data-testid': 'testdata-alert' }, badge('fail', 'ALERT'), ' ', alert));
    root.append(
      h(
        'div',
        { class: 'row' },
        card(
          h('h3', {}, 'Age distribution'),
          barChart(summary.buckets.map((b) => ({ label: b.label, count: b.count, cls: b.fromHours >= summary.retentionHours ? 'stale' : '' })), 'age-chart', 'Test rows by age'),
        ),
        card(h('h3', {}, 'Created per hour, last 24 h'), trendChart(summary.trend, 'trend-chart', 'Test rows created per hour')),
      ),
    );
    root.append(
      card(
        h('h3', {}, 'Per table'),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'table'), h('th', { class: 'num' }, 'test rows'), h('th', { class: 'num' }, 'stale'), h('th', { class: 'num' }, 'storage'), h('th', {}, 'oldest'), h('th', {}, 'newest'))),
          h(
            'tbody',
            {},
            ...summary.tables.map((t) =>
              h(
                'tr',
                { 'data-table': t.table },
                h('td', {}, t.table, t.problem ? h('div', { class: 'fail' }, t.problem) : null),
                h('td', { class: 'num', 'data-testid': `count-${slug(t.table)}` }, fmt(t.total)),
                h('td', { class: `num ${t.stale ? 'fail' : ''}` }, fmt(t.stale)),
                h('td', { class: 'num' }, bytes(t.storageBytes)),
                h('td', {}, when(t.oldest)),
                h('td', {}, when(t.newest)),
              ),
            ),
          ),
        ),
      ),
    );
    const staleRows = data.staleRows ?? [];
    if (staleRows.length > 0) {
      root.append(
        card(
          h('h3', {}, staleRows.length < summary.stale ? `Stale rows: the oldest ${fmt(staleRows.length)} of ${fmt(summary.stale)}` : 'Stale rows'),
          h(
            'table',
            { 'data-testid': 'stale-rows' },
            h('thead', {}, h('tr', {}, h('th', {}, 'table'), h('th', {}, 'key'), h('th', {}, 'created'), h('th', { class: 'num' }, 'age (h)'))),
            h('tbody', {}, ...staleRows.map((r) => h('tr', {}, h('td', {}, r.table), h('td', {}, r.key), h('td', {}, when(r.createdAt)), h('td', { class: 'num fail' }, r.ageHours === null ? '—' : String(r.ageHours))))),
          ),
        ),
      );
    }
    if (data.recommendations.length > 0) root.append(card(h('h3', {}, 'Recommendations'), h('ul', { 'data-testid': 'recommendations' }, ...data.recommendations.map((r) => h('li', {}, r)))));
    root.append(h('p', { class: 'muted', 'data-testid': 'testdata-time' }, `${data.environment} · figures of ${when(summary.generatedAt)} (database clock) · marker column ${summary.column}`));
    return root;
  }

  function comparisonCard(c: ComparisonEntry): HTMLElement {
    const r = c.report;
    const who = (side: typeof r.before) => `${side.database}${side.identity ? ` (${side.identity.name})` : ''} at ${when(side.takenAt)}`;
    const shown = r.items.filter((i) => i.status !== 'ok' || i.verdict !== 'unchanged');
    return h(
      'div',
      { class: `card ${r.verdict === 'fail' ? 'alert' : ''}`, 'data-testid': 'comparison' },
      h('h3', {}, badge(r.verdict), ' ', c.source),
      h('div', { class: 'muted' }, `before: ${who(r.before)} · after: ${who(r.after)}`),
      h('p', {}, `${r.summary.compared} compared, ${r.summary.unchanged} unchanged, ${r.summary.grew} grew, ${r.summary.newTables} new, ${r.summary.expected} expected changes, `, h('strong', { class: r.summary.losses > 0 ? 'fail' : '' }, `${r.summary.losses} losses`)),
      c.rollback ? h('p', { class: 'fail', 'data-testid': 'rollback' }, h('strong', {}, c.rollback)) : null,
      shown.length > 0
        ? h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'table'), h('th', {}, 'verdict'), h('th', { class: 'num' }, 'before'), h('th', { class: 'num' }, 'after'), h('th', {}, 'detail'))),
            h(
              'tbody',
              {},
              ...shown.map((i) =>
                h(
                  'tr',
                  { class: i.status === 'loss' ? 'loss-row' : '', 'data-status': i.status },
                  h('td', {}, badge(i.status)),
                  h('td', {}, i.id, i.kind === 'critical' ? h('span', { class: 'muted' }, ' critical') : null),
                  h('td', {}, i.verdict),
                  h('td', { class: 'num' }, fmt(i.rowsBefore)),
                  h('td', { class: 'num' }, fmt(i.rowsAfter)),
                  h('td', {}, i.message),
                ),
              ),
            ),
          )
        : note('Every table unchanged.'),
    );
  }

  function integrityView(data: IntegrityView): HTMLElement {
    const root = h('div', {});
    if (data.comparisons.length > 0) {
      root.append(h('h3', {}, 'Comparisons'));
      for (const c of data.comparisons) root.append(comparisonCard(c));
    }
    if (data.snapshots.length > 0 || data.dirs.length > 0) {
      root.append(h('h3', {}, 'Snapshots'));
      root.append(
        data.snapshots.length === 0
          ? note(`No snapshots in ${data.dirs.join(', ')}. Write them there with prodguard snapshot --out ${data.dirs[0] ?? '.prodguard/snapshots'}/before.json`)
          : card(
              h(
                'table',
                {},
                h('thead', {}, h('tr', {}, h('th', {}, 'taken'), h('th', {}, 'database'), h('th', {}, 'identity'), h('th', { class: 'num' }, 'tables'), h('th', { class: 'num' }, 'rows'), h('th', {}, 'file'))),
                h(
                  'tbody',
                  {},
                  ...data.snapshots.map((snap) =>
                    h(
                      'tr',
                      { 'data-testid': 'snapshot' },
                      h('td', {}, when(snap.takenAt)),
                      h('td', {}, snap.database),
                      h('td', {}, snap.identity ? `${snap.identity.name} (${snap.identity.kind})` : '–'),
                      h('td', { class: 'num' }, fmt(snap.tables), snap.weak > 0 ? h('span', { class: 'warn', title: 'without a primary key' }, ` (${snap.weak} weak)`) : null),
                      h('td', { class: 'num' }, fmt(snap.rows)),
                      h('td', {}, snap.file, snap.source === 'backup' ? h('span', { class: 'muted' }, ' backup') : null),
                    ),
                  ),
                ),
              ),
            ),
      );
    }
    if (root.childElementCount === 0) root.append(note('No snapshots or comparisons.'));
    return root;
  }

  function verifyRunCard(run: VerifyRun, title: string): HTMLElement {
    const report = run.report;
    const sum = report.summary;
    return h(
      'div',
      { class: `card ${run.verdict === 'fail' ? 'alert' : ''}`, 'data-testid': 'verify-latest' },
      h('h3', {}, badge(run.verdict), ` ${title} · ${when(run.startedAt)} · ${ms(report.durationMs)}`),
      h('p', { 'data-testid': 'verify-summary' }, `${sum.pass} passed, ${sum.warn} warnings, ${sum.fail} failed${sum.error ? ` (${sum.error} could not be measured)` : ''}`),
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'check'), h('th', {}, 'kind'), h('th', {}, 'target'), h('th', {}, 'result'), h('th', { class: 'num' }, 'time'))),
        h(
          'tbody',
          {},
          ...report.checks.map((c) =>
            h(
              'tr',
              { 'data-check': c.name },
              h('td', {}, badge(c.status)),
              h('td', {}, c.name),
              h('td', {}, c.kind),
              h('td', { class: 'muted' }, c.target),
              h(
                'td',
                {},
                c.error ? h('div', { class: 'fail' }, `ERROR: ${c.error}`) : null,
                h('div', {}, c.message),
                ...c.conditions.filter((k) => !k.ok).map((k) => h('div', { class: k.severity === 'fail' ? 'fail' : 'warn' }, `${k.condition} (got ${k.actual})`)),
                c.samples > 1 ? h('div', { class: 'muted' }, `${c.failedSamples} of ${c.samples} samples failed`) : null,
              ),
              h('td', { class: 'num' }, ms(c.durationMs)),
            ),
          ),
        ),
      ),
    );
  }

  function verifyView(data: VerifyView): HTMLElement {
    const root = h('div', { 'data-testid': 'verify' });
    if (data.error) root.append(h('div', { class: 'card alert' }, h('p', { class: 'fail' }, data.error)));
    if (data.latest) root.append(verifyRunCard(data.latest, 'latest run'));
    else if (!data.error) root.append(note('No verify runs recorded yet (prodguard verify --record).'));
    if (data.history.length > 1) {
      root.append(h('h3', {}, 'History'));
      root.append(
        card(
          h(
            'table',
            { 'data-testid': 'verify-history' },
            h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'when'), h('th', { class: 'num' }, 'pass'), h('th', { class: 'num' }, 'warn'), h('th', { class: 'num' }, 'fail'), h('th', { class: 'num' }, 'time'), h('th', {}, 'failing'))),
            h(
              'tbody',
              {},
              ...data.history.map((r) =>
                h(
                  'tr',
                  { 'data-run': r.id },
                  h('td', {}, badge(r.verdict)),
                  h('td', {}, when(r.startedAt)),
                  h('td', { class: 'num' }, r.report.summary.pass),
                  h('td', { class: 'num' }, r.report.summary.warn),
                  h('td', { class: 'num' }, r.report.summary.fail),
                  h('td', { class: 'num' }, ms(r.report.durationMs)),
                  h('td', {}, r.report.checks.filter((c) => c.status !== 'pass').map((c) => c.name).join(', ')),
                ),
              ),
            ),
          ),
        ),
      );
    }
    return root;
  }

  function reportDetails(report: DeployReport): HTMLElement {
    const parts: Child[] = [];
    if (report.rollback) {
      parts.push(
        h(
          'div',
          { class: 'card alert', 'data-testid': 'rollback' },
          h('strong', { class: 'fail' }, `ROLLBACK RECOMMENDED: ${report.rollback.reason}`),
          report.rollback.restoreCommand ? h('pre', {}, report.rollback.restoreCommand) : null,
          report.rollback.scripts.length > 0 ? h('div', {}, 'rollback scripts: ', report.rollback.scripts.join(', ')) : null,
        ),
      );
    }
    if (report.losses.length > 0) parts.push(h('p', { class: 'fail' }, `lost: ${report.losses.join(', ')}`));
    parts.push(h('div', { class: 'muted' }, `target ${report.target} · migration set ${report.migrationSet.hash.slice(0, 12)} (${report.migrationSet.files.length} files, ledger: ${report.migrationSet.ledger})`));
    if (report.migrationSet.files.length > 0) parts.push(h('ul', {}, ...report.migrationSet.files.map((f) => h('li', {}, f.path))));
    if (report.backup) parts.push(h('div', {}, `backup: ${report.backup.path}${report.backup.verified ? ' (verified)' : ''}`));
    if (report.migrate) {
      parts.push(h('div', {}, `migrate: ${report.migrate.command.join(' ')} → exit ${report.migrate.exitCode ?? report.migrate.signal ?? '?'} in ${ms(report.migrate.durationMs)}`));
      if (report.migrate.outputTail.length > 0) parts.push(h('pre', {}, report.migrate.outputTail.join('\n')));
    }
    return h('div', { 'data-testid': 'deploy-report' }, ...parts);
  }

  function phaseTable(phases: PhaseResult[]): HTMLElement {
    return h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'phase'), h('th', {}, 'result'), h('th', { class: 'num' }, 'duration'), h('th', {}, 'message'))),
      h(
        'tbody',
        {},
        ...phases.map((p) =>
          h(
            'tr',
            { 'data-phase': p.phase },
            h('td', {}, p.phase),
            h('td', {}, badge(p.status)),
            h('td', { class: 'num' }, ran(p) ? ms(p.durationMs) : ''),
            h('td', {}, p.skipReason ? `skipped: ${p.skipReason}` : p.message, p.details.length > 0 ? h('div', { class: 'muted' }, ...p.details.map((d) => h('div', {}, d))) : null),
          ),
        ),
      ),
    );
  }

  function deploysView(data: DeploysView): HTMLElement {
    const root = h('div', { 'data-testid': 'deploys' });
    if (data.error) root.append(h('div', { class: 'card alert' }, h('p', { class: 'fail' }, data.error)));
    if (data.runs.length === 0 && !data.error) root.append(note('No deploy runs recorded yet (prodguard deploy).'));
    for (const run of data.runs) {
      const embedded = data.reports[String(run.id)];
      const detail = h('div', {}, embedded ? reportDetails(embedded) : null);
      const loadReport = async () => {
        detail.replaceChildren(note('loading…'));
        try {
          const response = await fetch(apiUrl('deploys', { run: String(run.id) }), { headers: authHeaders(), cache: 'no-store' });
          if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
          const body = (await response.json()) as { report: DeployReport };
          detail.replaceChildren(reportDetails(body.report));
        } catch (error) {
          detail.replaceChildren(h('p', { class: 'fail' }, `Could not load the report: ${error instanceof Error ? error.message : String(error)}`));
        }
      };
      root.append(
        h(
          'div',
          { class: `card ${run.outcome === 'failed' ? 'alert' : ''}`, 'data-testid': 'deploy-run', 'data-run': run.id },
          h('h3', {}, badge(outcomeClass(run.outcome), run.outcome.toUpperCase()), ` #${run.id} ${run.environment} · ${when(run.startedAt)} · ${ms(run.durationMs)}`),
          h(
            'div',
            { class: 'muted' },
            [`by ${run.actor}`, run.gitCommit ? `commit ${run.gitCommit.slice(0, 12)}` : '', `migration set ${run.migrationSet.slice(0, 12)}`, `${run.migrations.length} migrations`, run.failedPhase ? `stopped at ${run.failedPhase}` : '']
              .filter(Boolean)
              .join(' · '),
          ),
          phaseChips(run.phases),
          run.skips.length > 0 ? h('div', { class: 'warn' }, ...run.skips.map((k) => h('div', {}, `skipped ${k.phase}: ${k.reason}`))) : null,
          phaseTable(run.phases),
          run.backupPath ? h('div', { class: 'muted' }, `backup: ${run.backupPath}`) : null,
          !embedded && config.mode === 'live' ? h('button', { class: 'link', onclick: () => void loadReport() }, 'full report') : null,
          detail,
        ),
      );
    }
    return root;
  }

  function lintView(data: LintView): HTMLElement {
    const root = h('div', { 'data-testid': 'lint' });
    if (data.error || !data.lint) {
      root.append(card(note(data.error ?? 'Nothing linted.')));
      return root;
    }
    const lint = data.lint;
    const docPanel = h('div', { class: 'card', id: 'rule-doc', hidden: true });
    const showDoc = (rule: string) => {
      const info = data.rules[rule];
      docPanel.replaceChildren(h('h3', {}, rule, ' ', h('button', { class: 'link', onclick: () => (docPanel.hidden = true) }, 'close')), info?.doc ? markdown(info.doc) : note(info?.summary ?? 'No documentation.'));
      docPanel.hidden = false;
      docPanel.scrollIntoView({ block: 'nearest' });
    };
    root.append(
      card(
        h('strong', { class: lint.summary.errors > 0 ? 'fail' : lint.summary.warnings > 0 ? 'warn' : 'pass', 'data-testid': 'lint-summary' }, `${lint.summary.errors} errors, ${lint.summary.warnings} warnings`),
        ` in ${lint.summary.files} files, ${lint.summary.statements} statements · PostgreSQL ${lint.pgVersion}`,
      ),
    );
    root.append(docPanel);
    for (const file of lint.files) {
      const findings = lint.findings.filter((f) => f.file === file.path);
      root.append(
        h(
          'div',
          { class: 'card', 'data-file': file.path },
          h('h3', {}, file.path, ' ', h('span', { class: 'muted' }, `level ${file.level} · ${file.layout} · ${file.statements} statements`)),
          findings.length === 0
            ? note('No findings.')
            : h(
                'table',
                {},
                h(
                  'tbody',
                  {},
                  ...findings.map((f) =>
                    h(
                      'tr',
                      { 'data-rule': f.rule },
                      h('td', {}, badge(f.severity === 'error' ? 'fail' : 'warn', f.severity)),
                      h('td', { class: 'num' }, `${f.line}:${f.column}`),
                      h(
                        'td',
                        {},
                        h('div', {}, f.message, ' ', h('button', { class: 'link', onclick: () => showDoc(f.rule) }, f.rule)),
                        h('div', { class: 'muted' }, f.help),
                        f.fix ? h('pre', {}, f.fix) : null,
                      ),
                    ),
                  ),
                ),
              ),
        ),
      );
    }
    return root;
  }

  function checkFinding(f: CheckFinding): HTMLElement {
    return h(
      'div',
      { class: `card ${f.severity === 'error' ? 'alert' : 'notice'}`, 'data-finding': f.id },
      h('div', {}, badge(f.severity === 'error' ? 'fail' : f.severity === 'warning' ? 'warn' : 'pending', f.severity), ' ', h('strong', {}, f.id), f.table ? ` · ${f.table}` : '', f.count !== undefined ? ` · ${fmt(f.count)}` : ''),
      h('div', {}, f.message),
      h('div', { class: 'muted' }, f.help),
      f.examples && f.examples.length > 0 ? h('div', { class: 'muted' }, `e.g. ${f.examples.join('; ')}`) : null,
      ...(f.removedValues ?? []).map((v) =>
        h('div', {}, `value '${v.value}' of ${v.column}: ${fmt(v.rows)} rows`, v.usedBy.length > 0 ? h('span', { class: 'fail' }, ` · still used by ${v.usedBy.map((u) => `${u.kind} ${u.name}`).join(', ')}`) : null),
      ),
    );
  }

  function statementRow(st: StatementCheck): HTMLElement[] {
    const locks = st.locks.length > 0 ? st.locks.map((l) => `${l.mode} on ${l.relation}`) : st.expectedLocks.map((l) => `${l.mode} on ${l.relation} (expected)`);
    const row = h(
      'tr',
      { 'data-statement': st.index },
      h('td', { class: 'num' }, `${st.line}:${st.column}`),
      h('td', {}, h('code', {}, st.sql), st.reason ? h('div', { class: 'muted' }, st.reason) : null, st.error ? h('div', { class: 'fail' }, st.error.message) : null),
      h('td', {}, badge(st.status === 'ok' ? 'pass' : st.status === 'failed' ? 'fail' : 'skip', st.status)),
      h('td', {}, ...locks.map((l) => h('div', {}, l)), ...st.rewrites.map((r) => h('div', { class: 'warn' }, `rewrites ${r.relation}`))),
      h('td', { class: 'num' }, st.durationMs === null ? '' : ms(st.durationMs)),
    );
    const rows = [row];
    if (st.findings.length > 0) rows.push(h('tr', {}, h('td', {}), h('td', { colspan: 4 }, ...st.findings.map(checkFinding))));
    return rows;
  }

  function checkView(report: CheckReport): HTMLElement {
    const s = report.summary;
    const root = h('div', { 'data-testid': 'check' });
    root.append(
      card(
        h('strong', { class: report.verdict === 'fail' ? 'fail' : 'pass', 'data-testid': 'check-summary' }, `${report.verdict.toUpperCase()}: ${s.errors} errors, ${s.warnings} warnings`),
        ` · ${s.migrations} migrations, ${s.statements} statements, ${s.failedMigrations} failed to apply, ${s.notRehearsed} not rehearsed`,
        h('div', { class: 'muted' }, `${report.mode} on ${report.target}${report.identity ? ` (${report.identity.name}, ${report.identity.kind})` : ''} · lock_timeout ${ms(report.lockTimeoutMs)}`),
      ),
    );
    for (const migration of report.migrations) {
      root.append(
        h(
          'div',
          { class: `card ${migration.status === 'failed' ? 'alert' : ''}`, 'data-file': migration.path },
          h('h3', {}, badge(migration.status === 'ok' ? 'pass' : migration.status === 'failed' ? 'fail' : 'skip', migration.status), ` ${migration.path}`, migration.role === 'replayed' ? h('span', { class: 'muted' }, ' (replayed)') : null),
          h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, 'at'), h('th', {}, 'statement'), h('th', {}, ''), h('th', {}, 'locks'), h('th', { class: 'num' }, 'time'))),
            h('tbody', {}, ...migration.statements.flatMap(statementRow)),
          ),
        ),
      );
    }
    return root;
  }

  /** A view whose shape this page does not know (a newer server): shown as JSON. */
  function rawView(data: unknown): HTMLElement {
    return card(h('pre', {}, JSON.stringify(data, null, 2)));
  }

  function render(view: ViewName, data: unknown): HTMLElement {
    switch (view) {
      case 'overview':
        return overviewView(data as EnvironmentsView);
      case 'testdata':
        return testdataView(data as TestdataView);
      case 'integrity':
        return integrityView(data as IntegrityView);
      case 'verify':
        return verifyView(data as VerifyView);
      case 'deploys':
        return deploysView(data as DeploysView);
      case 'lint':
        return lintView(data as LintView);
      case 'check':
        return checkView(data as CheckReport);
      default:
        return rawView(data);
    }
  }

  // ---------------------------------------------------------------- navigation and data

  function show(view: ViewName, data: unknown): void {
    if (view !== current) return;
    const header = h('div', { class: 'row toolbar' }, h('h2', {}, TITLES[view]));
    if (config.mode === 'live' && PER_ENVIRONMENT.includes(view) && config.environments.length > 0) {
      const select = h('select', { 'aria-label': 'environment', 'data-testid': 'env-select' }, ...config.environments.map((e) => h('option', { value: e, selected: e === environment }, e))) as HTMLSelectElement;
      select.addEventListener('change', () => {
        environment = select.value;
        void open(current);
      });
      header.append(select);
    }
    if (config.mode === 'live') {
      header.append(h('button', { class: 'link', onclick: () => void open(current) }, 'refresh'));
      if (view === 'testdata') header.append(h('span', { class: `live ${events ? 'pass' : 'muted'}`, 'data-testid': 'live' }, events ? 'live' : `every ${Math.round(config.refreshMs / 1000)} s`));
    }
    main.replaceChildren(header, render(view, data));
    main.setAttribute('data-view', view);
    main.setAttribute('data-updated', new Date().toISOString());
  }

  function apiUrl(path: string, extra: Record<string, string> = {}): string {
    const params = new URLSearchParams(extra);
    if (environment) params.set('env', environment);
    return `api/${path}${params.toString() ? `?${params.toString()}` : ''}`;
  }

  async function fetchView(view: ViewName): Promise<unknown> {
    const endpoint = ENDPOINTS[view];
    if (!endpoint) throw new Error(`${TITLES[view]} has no live source`);
    const response = await fetch(apiUrl(endpoint), { headers: authHeaders(), cache: 'no-store' });
    if (!response.ok) throw Object.assign(new Error(`${response.status} ${response.statusText}`), { status: response.status });
    return response.json();
  }

  function stopLive(): void {
    events?.close();
    events = undefined;
    if (poll !== undefined) window.clearInterval(poll);
    poll = undefined;
  }

  function startLive(): void {
    stopLive();
    if (config.mode !== 'live' || current !== 'testdata') return;
    const startPolling = () => {
      if (poll === undefined) poll = window.setInterval(() => void open('testdata', false), config.refreshMs);
    };
    if (typeof EventSource === 'undefined') return startPolling();
    // EventSource cannot send headers: the stream takes the token as a query parameter.
    const query: Record<string, string> = {};
    if (bearer) query['token'] = bearer;
    const source = new EventSource(apiUrl('events', query));
    events = source;
    source.addEventListener('testdata', (event) => {
      if (current === 'testdata') show('testdata', JSON.parse((event as MessageEvent<string>).data));
    });
    source.addEventListener('error', () => {
      // The server went away or refused the stream: keep the page current by polling instead.
      if (source.readyState === EventSource.CLOSED) {
        if (events === source) events = undefined;
        startPolling();
      }
    });
  }

  async function open(view: ViewName, restartLive = true): Promise<void> {
    current = view;
    for (const link of Array.from(nav.querySelectorAll('a'))) link.classList.toggle('active', link.getAttribute('data-view') === view);
    if (config.mode === 'report') {
      show(view, config.data[view]);
      return;
    }
    try {
      show(view, await fetchView(view));
    } catch (error) {
      if (view === current) main.replaceChildren(h('h2', {}, TITLES[view]), h('div', { class: 'card alert' }, `Could not load ${TITLES[view]}: ${error instanceof Error ? error.message : String(error)}`));
      // Refused (token gone, environment gone): asking again every interval cannot help.
      if ([401, 403, 404].includes((error as { status?: number }).status ?? 0)) return stopLive();
    }
    if (restartLive) startLive();
  }

  for (const view of config.views) {
    nav.append(h('a', { href: `#${view}`, 'data-view': view }, TITLES[view] ?? view));
  }
  meta.textContent = config.mode === 'report' ? `report generated ${when(config.generatedAt)}` : `serving since ${when(config.generatedAt)}`;
  const fromHash = () => {
    const wanted = location.hash.slice(1) as ViewName;
    return config.views.includes(wanted) ? wanted : (config.views[0] ?? 'overview');
  };
  window.addEventListener('hashchange', () => void open(fromHash()));
  void open(fromHash());
}
