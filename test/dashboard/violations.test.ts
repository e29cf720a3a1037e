import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/dashboard/lib/format.ts';
import {
  cursorOf,
  filtersFrom,
  fragmentQuery,
  utcInputToIso,
  violationsPath,
} from '../../src/dashboard/pages/violations/filters.ts';
import { href } from '../../src/dashboard/shell/router.ts';
import {
  collect,
  get,
  heartbeat,
  type OutcomeBody,
  postOutcomes,
  registerAll,
  type ViolationJson,
} from '../coordinator/api/support.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { type DashboardHarness, signedIn, useDashboard } from './support.ts';

describe('dashboard: violation filters in the fragment', () => {
  it('reads what it writes, drops what it does not know, and asks the API for one page', () => {
    const filters = filtersFrom(
      new URLSearchParams(
        'status=open&metric=uptime_pct&severity=low&node=n1&since=2026-11-01T01:00&until=x',
      ),
    );
    expect(filters).toEqual({
      status: 'open',
      metric: 'uptime_pct',
      severity: '',
      node: 'n1',
      since: '2026-11-01T01:00',
      until: '',
      cursor: '',
    });
    expect(href('/violations', fragmentQuery(filters))).toBe(
      '#/violations?status=open&metric=uptime_pct&node=n1&since=2026-11-01T01%3A00',
    );
    expect(violationsPath(filters)).toBe(
      '/sla/violations?resolved=false&node_id=n1&metric_type=uptime_pct&since=2026-11-01T01%3A00%3A00Z&limit=50',
    );
    expect(utcInputToIso('2026-11-01T01:00:30')).toBe('2026-11-01T01:00:30Z');
    expect(utcInputToIso('2026-11-01')).toBeNull();
    expect(cursorOf('/sla/violations?limit=50&cursor=01a1')).toBe('01a1');
    expect(cursorOf(null)).toBeNull();
  });
});

const missing = chromiumMissing();

/** A finished job on a node, ending now, that took `ms`. */
function outcome(nodeId: string, n: number, status: 'success' | 'failure', ms: number): OutcomeBody {
  const finished = Date.now();
  return {
    job_id: `${nodeId}-${n}-${finished}`,
    node_id: nodeId,
    topic: 'hash',
    status,
    started_at: finished - ms,
    finished_at: finished,
  };
}

async function seed(h: DashboardHarness, outcomes: OutcomeBody[]): Promise<void> {
  const nodes = [...new Set(outcomes.map((o) => o.node_id))];
  for (const id of nodes) expect((await heartbeat(h.api, id)).statusCode).toBe(202);
  const posted = await postOutcomes(h.api, outcomes);
  expect(posted.statusCode, posted.body).toBe(200);
  expect((await collect(h.api)).statusCode).toBe(200);
}

async function violationsOf(h: DashboardHarness, query: string): Promise<ViolationJson[]> {
  return (await get(h.api, `/sla/violations?${query}`)).json() as ViolationJson[];
}

/** The rows of the page's table, one text per cell. */
async function rows(page: Page): Promise<string[][]> {
  return page
    .getByRole('table')
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').trim())));
}

const minute = (iso: string, plus = 0) =>
  new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000 + plus * 60_000).toISOString().slice(0, 16);

describe.skipIf(missing !== null)('dashboard: the violations page in Chromium', () => {
  const h = useDashboard();

  beforeAll(async () => {
    await registerAll(
      h().api,
      { node_id: 'alpha', max_parallel: 4 },
      { node_id: 'beta', max_parallel: 4 },
      { node_id: 'gamma', max_parallel: 4 },
    );
    expect((await heartbeat(h().api, 'gamma')).statusCode).toBe(202);
    // alpha fails slowly (completion rate and response time, both critical); beta is slow (high).
    await seed(h(), [outcome('alpha', 1, 'failure', 3_500), outcome('beta', 1, 'success', 1_500)]);
  });

  it('lists violations newest first with their readings, clean for axe and the console', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Violations' }).click();
    await page.getByRole('heading', { name: 'Violations', level: 1 }).waitFor();
    await page.getByRole('table', { name: /Violations, newest first/ }).waitFor();
    const shown = await rows(page);
    expect(shown).toHaveLength(3);
    const beta = shown.find((r) => r[0] === 'beta');
    expect(beta).toEqual([
      'beta',
      'Response time',
      'high',
      '1,500 ms',
      '1,500 ms',
      '1,000 ms',
      expect.stringMatching(/UTC$/),
      'open',
      expect.stringMatching(/^open for \d+ s$/),
    ]);
    expect(shown.filter((r) => r[0] === 'alpha').map((r) => [r[1], r[2], r[3]])).toEqual(
      expect.arrayContaining([
        ['Completion rate', 'critical', '0.00 %'],
        ['Response time', 'critical', '3,500 ms'],
      ]),
    );
    await expect(page.getByRole('link', { name: 'alpha' }).first().getAttribute('href')).resolves.toBe(
      '#/nodes/alpha',
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('narrows the list with labelled filters that live in the fragment and survive a reload', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/violations`);
    await page.getByRole('table').waitFor();
    await page.getByLabel('Severity').selectOption('high');
    await expect.poll(() => rows(page).then((r) => r.map((c) => c[0]))).toEqual(['beta']);
    expect(page.url()).toContain('#/violations?severity=high');

    await page.getByLabel('Severity').selectOption('');
    await page.getByLabel('Node').fill('alpha');
    await page.getByLabel('Node').press('Enter');
    await page.getByLabel('Metric').selectOption('completion_rate_pct');
    await expect
      .poll(() => rows(page).then((r) => r.map((c) => [c[0], c[1]])))
      .toEqual([['alpha', 'Completion rate']]);
    await page.reload();
    await page.getByRole('table').waitFor();
    expect(await rows(page).then((r) => r.map((c) => [c[0], c[1]]))).toEqual([['alpha', 'Completion rate']]);
    await expect(page.getByLabel('Node').inputValue()).resolves.toBe('alpha');
    await expect(page.getByLabel('Metric').inputValue()).resolves.toBe('completion_rate_pct');

    // Time: opened in the minute after it opened finds nothing; from its minute, it is there.
    const [opened] = await violationsOf(h(), 'node_id=alpha&metric_type=completion_rate_pct');
    await page.getByLabel('Opened from (UTC)').fill(minute(opened!.created_at, 1));
    await page.getByText('No violation matches these filters.').waitFor();
    await page.getByLabel('Opened from (UTC)').fill(minute(opened!.created_at));
    await page.getByLabel('Opened before (UTC)').fill(minute(opened!.created_at, 1));
    await expect.poll(() => rows(page).then((r) => r.length)).toBe(1);
    expect(new URL(page.url()).hash).toContain(`since=${encodeURIComponent(minute(opened!.created_at))}`);

    await page.getByLabel('Status').selectOption('resolved');
    await page.getByText('No violation matches these filters.').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows(page).then((r) => r.length)).toBe(3);
    await expect(page.getByLabel('Node').inputValue()).resolves.toBe('');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows new and resolved violations as they happen, with the duration of a resolved one', async () => {
    const { context, page } = await signedIn(h(), 'read');
    await page.goto(`${h().url}/#/violations`);
    await page.getByRole('table').waitFor();
    expect(await rows(page).then((r) => r.some((c) => c[0] === 'gamma'))).toBe(false);

    // gamma fails; beta's next 40 jobs are quick, which brings its p95 back under the threshold.
    await seed(h(), [
      outcome('gamma', 1, 'failure', 100),
      ...Array.from({ length: 40 }, (_, n) => outcome('beta', n + 2, 'success', 50)),
    ]);
    const [resolved] = await violationsOf(h(), 'node_id=beta&resolved=true');
    expect(resolved?.violation_duration_ms).toBeGreaterThan(0);

    const betaRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'beta' }) });
    await betaRow.getByText(formatDuration(resolved!.violation_duration_ms), { exact: true }).waitFor({
      timeout: 10_000,
    });
    await page.getByRole('rowheader', { name: 'gamma' }).waitFor({ timeout: 10_000 });
    const beta = (await rows(page)).find((r) => r[0] === 'beta');
    expect(beta?.[7]).toMatch(/UTC$/);
    await context.close();
  });

  it('pages with the API’s Link cursor, and fits a phone in the dark scheme', async () => {
    const many = Array.from({ length: 26 }, (_, n) => `bulk-${String(n).padStart(2, '0')}`);
    await registerAll(h().api, ...many.map((node_id) => ({ node_id, max_parallel: 1 })));
    await seed(
      h(),
      many.map((id) => outcome(id, 1, 'failure', 3_000)),
    );
    const all = await violationsOf(h(), 'limit=1000');
    expect(all.length).toBeGreaterThan(50);

    const context = await h().browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: 'dark',
    });
    const page = await context.newPage();
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/`);
    await page.getByLabel('API key').fill(h().api.keys.read);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    await page.goto(`${h().url}/#/violations`);
    await page.getByRole('table').waitFor();
    expect(await rows(page).then((r) => r.length)).toBe(50);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Next page' }).click();
    await expect.poll(() => rows(page).then((r) => r.length)).toBe(all.length - 50);
    expect(page.url()).toContain(`cursor=${all[49]!.id}`);
    await page.getByRole('link', { name: 'Newest' }).click();
    await expect.poll(() => rows(page).then((r) => r.length)).toBe(50);
    expect(errors).toEqual([]);
    await context.close();
  });
});
