import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';
import { uuidv7 } from '../../src/core/ids.ts';
import {
  actionText,
  type Decision,
  decisionSeries,
  proposalText,
} from '../../src/dashboard/pages/autoscaler/model.ts';
import { ensureTargetRow, insertDecision, writeTargetTick } from '../../src/store/repositories/autoscaler.ts';
import { get } from '../coordinator/api/support.ts';
import { topic } from '../coordinator/jobs/support.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { type DashboardHarness, PHONE_DARK, signedIn, useDashboard } from './support.ts';

const decision = (d: Partial<Decision>): Decision => ({
  id: 'd',
  target: 't',
  at: '',
  at_ms: 0,
  tick: 'interval',
  reason: 'hold',
  actual: 1,
  previous_desired: 1,
  desired: 1,
  inputs: null,
  proposals: null,
  action: null,
  ...d,
});

describe('dashboard: a scaled target’s decisions in words and as series', () => {
  it('says what each policy proposed and what the deployer did', () => {
    expect(proposalText({ policy: 'backlog', replicas: 4, reason: 'drain 80 jobs' })).toBe(
      'backlog → 4 (drain 80 jobs)',
    );
    expect(proposalText({ policy: 'watermark', replicas: null, reason: 'no data' })).toBe(
      'watermark → nothing (no data)',
    );
    expect(actionText(null)).toBe('nothing');
    expect(actionText({ started: ['a', 'b'], stopping: ['c'], detail: '' })).toBe('started 2, stopping 1');
    expect(actionText({ started: [], stopping: [], detail: '' })).toBe('nothing to change');
    expect(actionText({ error: 'platform unreachable' })).toBe('error: platform unreachable');
  });

  it('draws decisions oldest first, with the backlog where a decision read one', () => {
    const series = decisionSeries([
      decision({ at_ms: 2, desired: 3, actual: 1, inputs: { 'topic.backlog': { value: 80, at_ms: 2 } } }),
      decision({ at_ms: 1, desired: 1, actual: 1 }),
    ]);
    expect(series).toEqual({ x: [1, 2], desired: [1, 3], actual: [1, 1], backlog: [null, 80] });
  });
});

const missing = chromiumMissing();

/** Decisions seeded: every 10 s, holds at 1, an error from the platform, then a scale-up. */
const DECISIONS = 30;

async function seedDecisions(h: DashboardHarness): Promise<void> {
  const { store } = h.api;
  const t0 = Date.now() - DECISIONS * 10_000;
  await store.transaction(async (trx) => {
    await ensureTargetRow(trx, 'hash-pool', t0);
    for (let i = 0; i < DECISIONS; i++) {
      const at = t0 + i * 10_000;
      const newest = i === DECISIONS - 1;
      await insertDecision(trx, {
        id: uuidv7(at),
        target: 'hash-pool',
        at,
        tick: newest ? 'queue' : 'interval',
        reason: newest ? 'scale_up' : 'hold',
        actual: 1,
        previous_desired: 1,
        desired: newest ? 3 : 1,
        inputs: JSON.stringify({ 'topic.backlog': { value: newest ? 90 : i, at_ms: at } }),
        proposals: JSON.stringify([
          { policy: 'backlog', replicas: newest ? 3 : 1, reason: newest ? 'drain 90 jobs' : 'keeps up' },
          { policy: 'watermark', replicas: null, reason: 'no breach yet' },
        ]),
        action: newest
          ? JSON.stringify({ started: ['r-1', 'r-2'], stopping: [], detail: 'started 2' })
          : i === 0
            ? JSON.stringify({ error: 'platform unreachable' })
            : null,
      });
    }
    await writeTargetTick(trx, {
      name: 'hash-pool',
      desired: 3,
      state: '{}',
      scaledAt: Date.now(),
      now: Date.now(),
    });
  });
}

async function targetJson(h: DashboardHarness) {
  return (await get(h.api, '/autoscaler/targets/hash-pool')).json() as Record<string, unknown>;
}

const cellsOf = async (page: Page, name: string) =>
  (
    await page
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name, exact: true }) })
      .locator('th, td')
      .allTextContents()
  ).map((t) => t.trim());

describe.skipIf(missing !== null)('dashboard: the autoscaler pages in Chromium', () => {
  const h = useDashboard((c) => {
    c.topics = [topic({ name: 'hash' })];
    c.autoscaler = configSchema.parse({
      autoscaler: {
        targets: [
          {
            name: 'hash-pool',
            topic: 'hash',
            min_replicas: 1,
            max_replicas: 6,
            deployer: { kind: 'process' },
            policies: [{ kind: 'backlog' }, { kind: 'watermark', high: 20, low: 2 }],
          },
        ],
      },
    }).autoscaler;
  });

  beforeAll(async () => {
    await seedDecisions(h());
  });

  it('lists the target and shows its figures, chart and decisions, paged', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Autoscaler' }).click();
    await page.getByRole('heading', { name: 'Autoscaler', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Scaled targets' }).waitFor();
    const cells = await cellsOf(page, 'hash-pool');
    expect(cells.slice(0, 8)).toEqual([
      'hash-pool',
      'hash',
      'process',
      'no',
      '1–6',
      '3',
      '1',
      'backlog, watermark',
    ]);
    expect(cells[8]).toMatch(/^scale up, .* ago/);
    expect(cells[8]).toContain('backlog → 3 (drain 90 jobs)');
    expect(cells[8]).toContain('watermark → nothing (no breach yet)');
    await expect
      .poll(() => page.getByRole('link', { name: 'hash', exact: true }).getAttribute('href'))
      .toBe('#/topics/hash');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'hash-pool' }).click();
    await page.getByRole('heading', { name: 'Scaled target hash-pool', level: 1 }).waitFor();
    expect(page.url()).toContain('#/autoscaler/hash-pool');
    const chart = page.getByRole('img', { name: /^Desired and actual replicas\./ });
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toContain('desired: latest 3, low 1, high 3');
    await page.getByRole('img', { name: /^Backlog .* backlog: latest 90/ }).waitFor();

    const table = page.getByRole('table', { name: 'Decisions of hash-pool, newest first' });
    await table.waitFor();
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(25);
    const first = (await rows.first().locator('th, td').allTextContents()).map((t) => t.trim());
    expect(first.slice(1, 4)).toEqual(['queue', 'scale up', '1 → 3']);
    expect(first[4]).toContain('backlog → 3 (drain 90 jobs)');
    expect(first[5]).toBe('started 2');
    // Not an operator: nothing to press.
    expect(await page.getByRole('button', { name: /Pause|Resume|Set bounds/ }).count()).toBe(0);
    expect(await page.getByRole('form', { name: 'Bounds of hash-pool' }).count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Older decisions' }).click();
    await page.getByRole('heading', { name: 'Older decisions', level: 2 }).waitFor();
    await expect.poll(() => rows.count()).toBe(DECISIONS - 25);
    await expect
      .poll(() => rows.last().locator('td').last().textContent())
      .toBe('error: platform unreachable');
    expect(await page.getByRole('link', { name: 'Older decisions' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Newest' }).click();
    await expect.poll(() => rows.count()).toBe(25);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lets an operator pause and resume a target and move its bounds, and says why bounds are refused', async () => {
    const { context, page } = await signedIn(h(), 'operator');
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/autoscaler/hash-pool`);
    await page.getByRole('heading', { name: 'Scaled target hash-pool', level: 1 }).waitFor();

    const pause = page.getByRole('button', { name: 'Pause hash-pool' });
    await pause.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('Paused hash-pool').waitFor();
    expect(await targetJson(h())).toMatchObject({ paused: true, changed_by_operator: ['paused'] });
    await page.getByRole('button', { name: 'Resume hash-pool' }).waitFor();
    await page.getByText('yes (set by an operator)').waitFor();

    const form = page.getByRole('form', { name: 'Bounds of hash-pool' });
    await form.getByLabel('Min replicas').fill('2');
    await form.getByLabel('Max replicas').fill('4');
    await form.getByRole('button', { name: 'Set bounds' }).click();
    await page.getByRole('status').getByText('hash-pool now scales between 2 and 4 replicas.').waitFor();
    expect(await targetJson(h())).toMatchObject({ min_replicas: 2, max_replicas: 4 });
    await page.getByText('2–4 (set by an operator)').waitFor();

    await form.getByLabel('Min replicas').fill('5');
    await form.getByLabel('Min replicas').press('Enter');
    await page
      .getByRole('alert')
      .getByText('The minimum cannot be above the maximum: min_replicas 5 would be above max_replicas 4.')
      .waitFor();
    expect(await targetJson(h())).toMatchObject({ min_replicas: 2, max_replicas: 4 });
    expect(await seriousA11yViolations(page)).toEqual([]);

    await form.getByRole('button', { name: 'Use the configuration’s bounds' }).click();
    await page.getByRole('status').getByText('back to the configuration’s bounds, 1 to 6').waitFor();
    await page.getByRole('button', { name: 'Resume hash-pool' }).click();
    await page.getByRole('status').getByText('Resumed hash-pool').waitFor();
    expect(await targetJson(h())).toMatchObject({ paused: false, min_replicas: 1, max_replicas: 6 });

    // The refusal is the only failed call, and the browser logs it as such.
    expect(errors).toHaveLength(2);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/status of 409/),
        expect.stringMatching(/^409 PATCH .*\/autoscaler\/targets\/hash-pool$/),
      ]),
    );
    await context.close();
  });

  it('shows a read key no action and the server refuses one made with its session anyway', async () => {
    const { context, page } = await signedIn(h(), 'read');
    await page.goto(`${h().url}/#/autoscaler/hash-pool`);
    await page.getByRole('table', { name: 'Decisions of hash-pool, newest first' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Operator actions' }).count()).toBe(0);
    const status = await page.evaluate(async () => {
      const res = await fetch('/autoscaler/targets/hash-pool', {
        method: 'PATCH',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ paused: true }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    expect(await targetJson(h())).toMatchObject({ paused: false });

    await page.goto(`${h().url}/#/autoscaler/nope`);
    await page.getByRole('alert').getByText('no scaled target nope (configured: hash-pool)').waitFor();
    expect(await page.getByRole('heading', { name: 'Recent decisions' }).count()).toBe(0);
    await context.close();
  });

  it('fits a phone-width screen in the dark scheme', async () => {
    const { context, page } = await signedIn(h(), 'operator', PHONE_DARK);
    for (const fragment of ['#/autoscaler', '#/autoscaler/hash-pool']) {
      await page.goto(`${h().url}/${fragment}`);
      await page.getByRole('table').first().waitFor();
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      expect(overflow, fragment).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page), fragment).toEqual([]);
    }
    await context.close();
  });
});
