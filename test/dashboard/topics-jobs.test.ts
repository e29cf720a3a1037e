import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VigilConfig } from '../../src/config/schema.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import {
  claim,
  jobOf,
  nodeWithWorker,
  resultOf,
  sendResults,
  submit,
  submitted,
  topic,
} from '../coordinator/jobs/support.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { type DashboardHarness, signedIn, useDashboard } from './support.ts';

const missing = chromiumMissing();
if (missing !== null) console.warn(`[vigil tests] dashboard browser tests skipped: ${missing}`);

const SECRET = 'Bearer s3cret-adapter-token';

function topics(c: VigilConfig): void {
  c.topics = [
    topic({
      name: 'hash',
      adapter: { kind: 'http', url: 'http://10.0.0.9:9000/run', headers: { authorization: SECRET } },
      max_attempts: 3,
      // A failed attempt is claimable again at once, so a test makes a second attempt quickly.
      backoff: { kind: 'uniform', initial_ms: 1, max_ms: 1 },
    }),
    topic({ name: 'bulk', max_attempts: 1 }),
  ];
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

/** A job that failed once on node-a and then succeeded there: two attempts and a result. */
async function twoAttemptJob(h: DashboardHarness, worker: Awaited<ReturnType<typeof nodeWithWorker>>) {
  const api = h.api;
  const id = await submitted(api, 'hash', { input: 'abc' });
  const firstAt = api.clock.now;
  const [first] = await claim(api, worker, 'hash');
  const crash = { code: 'crash', message: 'exit 1: out of memory', retryable: true };
  await sendResults(api, worker.node, [
    resultOf(first!, worker.workerId, firstAt, { status: 'failure', error: crash }, 0),
  ]);
  for (let tries = 0; tries < 50; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const secondAt = api.clock.now;
    const [second] = await claim(api, worker, 'hash');
    if (second === undefined) continue;
    await sendResults(api, worker.node, [
      resultOf(second, worker.workerId, secondAt, { result: { digest: 'ab12cd' } }, 0),
    ]);
    return id;
  }
  throw new Error('the failed job was never claimable again');
}

describe.skipIf(missing !== null)('dashboard: topics and jobs in Chromium', () => {
  const h = useDashboard(topics);
  const ids = { done: '', dead: '', toCancel: '', readOnly: '', theirs: '' };

  beforeAll(async () => {
    const api = h().api;
    const worker = await nodeWithWorker(api, 'node-a', ['hash']);
    ids.done = await twoAttemptJob(h(), worker);
    ids.dead = await submitted(api, 'hash', { n: 1 });
    const deadAt = api.clock.now;
    const [dying] = await claim(api, worker, 'hash');
    const fatal = { code: 'bad-input', message: 'input is not hex', retryable: false };
    await sendResults(api, worker.node, [
      resultOf(dying!, worker.workerId, deadAt, { status: 'failure', error: fatal }, 0),
    ]);
    ids.toCancel = await submitted(api, 'hash', { n: 2 });
    ids.readOnly = await submitted(api, 'hash', { n: 3 });
    const { key } = await createApiKey(api.store.db, 'tenant', 'other tenant');
    const theirs = await api.app.inject({
      method: 'POST',
      url: '/jobs',
      headers: { authorization: `Bearer ${key}` },
      payload: { topic: 'hash', payload: { n: 4 } },
    });
    ids.theirs = (theirs.json() as { job_id: string }).job_id;
    for (let i = 0; i < 27; i++) await submit(api, { topic: 'bulk', payload: i }, 'operator');
  }, 30_000);

  it('an operator goes topics → topic → job, sees it live, cancels a job, and filters and pages the jobs', async () => {
    const { context, page } = await signedIn(h(), 'operator');
    page.setDefaultTimeout(8_000);
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/topics`);
    await page.getByRole('heading', { name: 'Topics', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'hash', exact: true }) });
    await expect(row.getByRole('cell').nth(5).textContent()).resolves.toBe('http');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'hash', exact: true }).click();
    await page.getByRole('heading', { name: 'Topic hash', level: 1 }).waitFor();
    await page.getByText('[redacted]').waitFor();
    expect(await page.content()).not.toContain(SECRET);
    await page.getByRole('link', { name: ids.done }).waitFor();
    await page.getByText('One reading so far').waitFor();

    // Live: a job submitted while the page is open shows up without a reload, in the jobs and
    // in the chart, which has its second reading by then.
    const fresh = await submitted(h().api, 'hash', { n: 5 });
    await page.getByRole('link', { name: fresh }).waitFor({ timeout: 12_000 });
    await page
      .getByRole('img', { name: /Ready and leased jobs\. ready: latest 4, low 3, high 4; leased: latest 0/ })
      .waitFor();
    await expectAccessible(page);

    await page.getByRole('link', { name: ids.done }).click();
    await page.getByRole('heading', { name: `Job ${ids.done}`, level: 1 }).waitFor();
    const attempts = page.getByRole('table', { name: /attempts/ }).getByRole('row');
    await expect(attempts.nth(1).textContent()).resolves.toMatch(/^1node-a-00—.*failure$/);
    await expect(attempts.nth(2).textContent()).resolves.toMatch(/^2node-a-00node-a-00\/main.*success$/);
    await page.getByRole('region', { name: 'Result' }).getByText('"digest": "ab12cd"').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
    await expectAccessible(page);

    await page.goto(`${h().url}/#/jobs/${ids.toCancel}`);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.getByRole('button', { name: 'Yes, cancel the job' }).click();
    await page.getByText('The job is cancelled.').waitFor();
    await page.locator('dl[aria-label="Job"] dd').first().getByText('cancelled').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
    expect((await jobOf(h().api, ids.toCancel)).status).toBe('cancelled');

    await page.getByRole('link', { name: 'Topics & jobs' }).click();
    await page.getByRole('link', { name: 'All jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    await page.getByLabel('Status').selectOption('cancelled');
    await page.waitForURL(/status=cancelled/);
    await page.getByRole('link', { name: ids.toCancel }).waitFor();
    await expect
      .poll(() => page.getByRole('table', { name: 'Jobs, newest first' }).getByRole('row').count())
      .toBe(2);
    await expectAccessible(page);

    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Topic').selectOption('bulk');
    await page.getByLabel('Per page').selectOption('25');
    const rows = page.getByRole('table', { name: 'Jobs, newest first' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(26);
    await page.getByRole('link', { name: 'Older jobs' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByRole('link', { name: 'Newest jobs' }).waitFor();

    // A phone's width in the dark scheme: nothing wider than the screen, contrast kept.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('charts the coordinator’s queue history when it keeps one; a read key gets no Cancel and its POST is refused', async () => {
    const { context, page } = await signedIn(h(), 'read');
    page.setDefaultTimeout(8_000);
    const errors = consoleErrors(page);
    // What GET /series will answer once it is in this tree (another branch adds it).
    const t = Date.now() - 600_000;
    await page.route('**/series?*', (route) => {
      const name = new URL(route.request().url()).searchParams.get('name') ?? '';
      const value = { 'topic.ready': 7, 'topic.leased': 3, 'topic.oldest_age_s': 90 }[name] ?? 0;
      return route.fulfill({
        json: {
          name,
          topic: 'hash',
          from: t,
          to: Date.now(),
          points: [{ t, value, min: value, max: value, count: 1 }],
        },
      });
    });
    await page.goto(`${h().url}/#/topics/hash`);
    await page
      .getByRole('img', {
        name: /Ready and leased jobs\. ready: latest \d+, low \d+, high 7; leased: .*high 3/,
      })
      .waitFor();
    await page.getByRole('img', { name: /oldest ready: .*high 1 min 30 s/ }).waitFor();
    await page.getByLabel('Range').waitFor();

    await page.goto(`${h().url}/#/jobs/${ids.dead}`);
    await page
      .getByRole('region', { name: 'Last failure' })
      .getByText('input is not hex (not retryable)')
      .waitFor();
    await page.getByText('No result.').waitFor();
    await expectAccessible(page);

    await page.goto(`${h().url}/#/jobs/${ids.readOnly}`);
    await page.getByRole('heading', { name: `Job ${ids.readOnly}`, level: 1 }).waitFor();
    await page.locator('dl[aria-label="Job"] dd').first().getByText('queued').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel job' }).count()).toBe(0);
    await page.goto(`${h().url}/#/jobs`);
    await page.getByLabel('Tenant').waitFor();
    const status = await page.evaluate(
      async (id) => (await fetch(`/jobs/${id}/cancel`, { method: 'POST' })).status,
      ids.readOnly,
    );
    expect(status).toBe(403);
    expect((await jobOf(h().api, ids.readOnly)).status).toBe('queued');
    // The refused POST is the only thing that went wrong: its response and Chromium's line for it.
    expect(errors.sort()).toEqual([
      expect.stringMatching(/^403 POST .*\/cancel$/),
      expect.stringMatching(/Failed to load resource.*403/),
    ]);
    await context.close();
  });

  it('a tenant sees only its own jobs, with no tenant filter, and may cancel its own', async () => {
    const { context, page } = await signedIn(h(), 'tenant');
    page.setDefaultTimeout(8_000);
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/jobs`);
    await page.getByRole('link', { name: ids.readOnly }).waitFor();
    await page.getByRole('link', { name: ids.done }).waitFor();
    expect(await page.getByRole('link', { name: ids.theirs }).count()).toBe(0);
    expect(await page.getByLabel('Tenant').count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Tenant' }).count()).toBe(0);
    await expectAccessible(page);
    await page.getByRole('link', { name: ids.readOnly }).click();
    await page.getByRole('button', { name: 'Cancel job' }).waitFor();
    expect(errors).toEqual([]);

    await page.goto(`${h().url}/#/jobs/${ids.theirs}`);
    await page.getByRole('alert').getByText(`there is no job ${ids.theirs}`).waitFor();
    await context.close();
  });
});
