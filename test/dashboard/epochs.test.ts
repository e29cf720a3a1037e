import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  endOf,
  epochConfig,
  getJson,
  MINUTE_MS,
  reportOf,
  startNetwork,
  submitReport,
  targetsOf,
  tickAt,
  windowEndOf,
} from '../coordinator/epochs/support.ts';
import { addTopic, declared, syncOk } from '../coordinator/workers/support.ts';
import type { TestApi } from '../helpers/api.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { PHONE_DARK, signedIn, useDashboard } from './support.ts';

const missing = chromiumMissing();

/**
 * Four nodes and two settled epochs (1 chained to 0); node-03 was down 6 of 12 checks in epoch 1,
 * and its host then reported a worker that started, benchmarked and became ready.
 */
async function settleTwoEpochs(api: TestApi): Promise<void> {
  const nodes = await startNetwork(api, 4);
  for (const epoch of [0, 1]) {
    const plans = await Promise.all(
      nodes.map(async (n) => ({ n, targets: await targetsOf(api, epoch, n.id) })),
    );
    await tickAt(api, endOf(epoch) + MINUTE_MS);
    for (const { n, targets } of plans) {
      const down = (t: string) => (epoch === 1 && t === 'node-03' ? 6 : 0);
      expect((await submitReport(api, n, epoch, reportOf(n, epoch, targets, { down }))).statusCode).toBe(201);
    }
    await tickAt(api, windowEndOf(epoch));
  }
  await addTopic(api, { name: 'hash' });
  const at = api.clock.now;
  await syncOk(api, nodes[3]!, [
    declared('node-03/main', {
      transitions: ['starting', 'benchmarking', 'ready'].map((state, i) => ({
        state,
        reason: null,
        at_ms: at - 3_000 + i * 1_000,
      })),
    }),
  ]);
}

/** A table's body rows as the page shows them, each its cells' trimmed text. */
const rowsOf = async (page: Page, table: string) =>
  Promise.all(
    (await page.getByRole('table', { name: table }).locator('tbody tr').all()).map(async (row) =>
      (await row.locator('th, td').allTextContents()).map((t) => t.trim()),
    ),
  );

describe.skipIf(missing !== null)('dashboard: epochs, settlements and verify in this browser', () => {
  const h = useDashboard(
    (c) => {
      epochConfig(c);
      c.monitoring.group_size = 3;
      c.rewards.pool_minor_units = '1000000';
    },
    { seed: settleTwoEpochs, realClock: false },
  );

  it('lists the epochs, opens one, shows its rewards, and verifies it in the browser', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Epochs' }).click();
    await page.getByRole('heading', { name: 'Epochs', level: 1 }).waitFor();
    // Newest first: the current epoch 2, then the two settled ones.
    await expect
      .poll(async () => (await rowsOf(page, 'Recent epochs, newest first')).map((r) => r.slice(0, 2)))
      .toEqual([
        ['2', 'open'],
        ['1', 'settled'],
        ['0', 'settled'],
      ]);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('link', { name: '1', exact: true }).click();
    await page.getByRole('heading', { name: 'Epoch 1', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Rewards' }).waitFor();
    await page.getByText('Pool 1000000').waitFor();
    // node-03 was down half its checks: it earns least; the table sorts by reward, most first.
    const rows = page.locator('section[aria-labelledby="rewards-heading"] tbody tr th');
    await rows.first().waitFor();
    expect(await rows.last().textContent()).toBe('node-03');
    expect(await seriousA11yViolations(page)).toEqual([]);
    // A column's button sorts by it: by node, ascending; by down checks, most first, then fewest.
    const rewards = page.getByRole('table', { name: 'Rewards of the epoch' });
    await rewards.getByRole('button', { name: 'Node' }).click();
    await expect.poll(() => rows.allTextContents()).toEqual(['node-00', 'node-01', 'node-02', 'node-03']);
    expect(await rewards.getByRole('columnheader', { name: 'Node' }).getAttribute('aria-sort')).toBe(
      'ascending',
    );
    await rewards.getByRole('button', { name: 'Down checks' }).click();
    await expect.poll(() => rows.first().textContent()).toBe('node-03');
    await rewards.getByRole('button', { name: 'Down checks' }).click();
    await expect.poll(() => rows.last().textContent()).toBe('node-03');
    expect(await rewards.getByRole('columnheader', { name: 'Down checks' }).getAttribute('aria-sort')).toBe(
      'ascending',
    );

    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    await page.getByText(/^Verified: the settlement matches its reports/).waitFor({ timeout: 20_000 });
    expect(await page.locator('.checks > li .good').count()).toBe(5);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('the list polls like every page: it keeps its rows and says "Reconnecting…" while away', async () => {
    const { context, page } = await signedIn(h(), 'read');
    await page.goto(`${h().url}/#/epochs`);
    const first = page.getByRole('table', { name: 'Recent epochs, newest first' }).locator('tbody th');
    await expect.poll(() => first.allTextContents()).toEqual(['2', '1', '0']);
    await page.getByRole('status').getByText('Live').waitFor();
    await page.route('**/epochs/current', (route) => route.abort('connectionrefused'));
    // The tab coming back polls at once rather than at the next tick (15 s).
    const comeBack = () => page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await comeBack();
    await page.getByText('Reconnecting…').waitFor();
    expect(await first.allTextContents()).toEqual(['2', '1', '0']);
    await page.unroute('**/epochs/current');
    await comeBack();
    await page.getByRole('status').getByText('Live').waitFor();
    await context.close();
  });

  it('a node’s page shows its workers and their history, its monitoring and its settled epochs', async () => {
    const api = h().api;
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/nodes/node-03`);
    await page.getByRole('heading', { name: 'Node node-03', level: 1 }).waitFor();

    await page.getByRole('table', { name: "The node's workers" }).waitFor();
    expect(await rowsOf(page, "The node's workers")).toEqual([
      ['node-03/main', 'default', 'ready', 'hash×4', '0'],
    ]);
    const history = page.getByRole('region', { name: 'Workers' }).locator('ul.history li');
    await expect
      .poll(async () => (await history.allTextContents()).map((t) => t.replace(/^.* · /, '')))
      .toEqual(['node-03/main → ready', 'node-03/main → benchmarking', 'node-03/main → starting']);

    // Whom it probes and who probes it in the current epoch, as the assignment says.
    const { epoch } = await getJson<{ epoch: number }>(api, '/epochs/current');
    const probes = await targetsOf(api, epoch, 'node-03');
    const probedBy = (
      await getJson<{ monitors: (string | { node_id: string })[] }>(
        api,
        `/epochs/${epoch}/assignments?target=node-03`,
      )
    ).monitors.map((m) => (typeof m === 'string' ? m : m.node_id));
    expect(probes.length).toBeGreaterThan(0);
    expect(probedBy.length).toBeGreaterThan(0);
    const monitoring = page.getByRole('region', { name: 'Monitoring this epoch' });
    const listed = (term: string) => monitoring.locator(`dt:has-text("${term}") + dd a`).allTextContents();
    await expect.poll(() => listed('It probes')).toEqual(probes);
    expect(await listed('Probed by')).toEqual(probedBy);
    expect(await monitoring.locator('dd a').first().textContent()).toBe(String(epoch));

    // Each settled epoch: uptime, down checks, latency and reward as the settlement signed them.
    const { epochs } = await getJson<{
      epochs: { epoch: number; downtime_intervals: number; checks: number; reward: string }[];
    }>(api, '/nodes/node-03/epochs');
    const byEpoch = new Map(epochs.map((e) => [e.epoch, e]));
    const settled = 'The node in each settled epoch';
    await page.getByRole('table', { name: settled }).waitFor();
    const rows = await rowsOf(page, settled);
    expect(rows.map((r) => r[0])).toEqual(['1', '0']);
    const [one, zero] = rows as [string[], string[]];
    expect(zero.slice(2)).toEqual([
      '100.00 %',
      `0 of ${byEpoch.get(0)?.checks}`,
      '20 ms',
      byEpoch.get(0)?.reward,
    ]);
    // Down half its checks in epoch 1: less uptime and less reward than in epoch 0.
    expect(byEpoch.get(1)?.downtime_intervals).toBeGreaterThan(0);
    expect(one.slice(3)).toEqual([
      `${byEpoch.get(1)?.downtime_intervals} of ${byEpoch.get(1)?.checks}`,
      '20 ms',
      byEpoch.get(1)?.reward,
    ]);
    expect(one[2]).toMatch(/^\d+(\.\d+)? %$/);
    expect(one[2]).not.toBe('100.00 %');
    expect(BigInt(byEpoch.get(1)?.reward ?? 0)).toBeLessThan(BigInt(byEpoch.get(0)?.reward ?? 0));
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('fits a phone-width screen in the dark scheme', async () => {
    const { context, page } = await signedIn(h(), 'read', PHONE_DARK);
    for (const [fragment, table] of [
      ['#/epochs', 'Recent epochs, newest first'],
      ['#/epochs/1', 'Rewards of the epoch'],
      ['#/nodes/node-03', 'The node in each settled epoch'],
    ] as const) {
      await page.goto(`${h().url}/${fragment}`);
      const row = page.getByRole('table', { name: table }).locator('tbody tr').first();
      await row.waitFor();
      expect(await row.isVisible(), fragment).toBe(true);
      expect(await page.getByRole('heading', { level: 1 }).isVisible(), fragment).toBe(true);
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      expect(overflow, fragment).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page), fragment).toEqual([]);
      if (fragment === '#/epochs/1')
        expect(await page.getByRole('button', { name: 'Verify in this browser' }).isVisible()).toBe(true);
    }
    await context.close();
  });

  it('reports the difference when a published report or a reward is altered', async () => {
    const db = h().api.store.db;
    const report = await db
      .selectFrom('monitor_reports')
      .selectAll()
      .where('epoch', '=', 1)
      .orderBy('monitor')
      .executeTakeFirstOrThrow();
    const settlement = await db
      .selectFrom('settlements')
      .selectAll()
      .where('epoch', '=', 1)
      .executeTakeFirstOrThrow();
    expect(report.body).toContain('"downtime_intervals":0');
    try {
      // A report's figures changed after it was accepted: it no longer adds up.
      await db
        .updateTable('monitor_reports')
        .set({ body: report.body.replace('"downtime_intervals":0', '"downtime_intervals":1') })
        .where('epoch', '=', 1)
        .where('monitor', '=', report.monitor)
        .execute();
      const { context, page } = await signedIn(h(), 'read');
      await page.goto(`${h().url}/#/epochs/1`);
      await page.getByRole('button', { name: 'Verify in this browser' }).click();
      await page.getByText(/difference(s)? found/).waitFor({ timeout: 20_000 });
      await page
        .getByText(/report #\d+ is malformed: .*downtime_intervals/)
        .first()
        .waitFor();
      await page.getByText('$.reports_accepted').first().waitFor();

      // And a reward raised in the published settlement.
      await db
        .updateTable('monitor_reports')
        .set({ body: report.body })
        .where('epoch', '=', 1)
        .where('monitor', '=', report.monitor)
        .execute();
      const document = JSON.parse(settlement.document) as { nodes: { node: string; reward: string }[] };
      const node = document.nodes[0]!;
      node.reward = String(BigInt(node.reward) + 1n);
      await db
        .updateTable('settlements')
        .set({ document: JSON.stringify(document) })
        .where('epoch', '=', 1)
        .execute();
      await page.getByRole('button', { name: 'Verify in this browser' }).click();
      await page.getByText(/difference(s)? found/).waitFor({ timeout: 20_000 });
      await page.getByText(`$.nodes[node=${node.node}].reward`).first().waitFor();
      await context.close();
    } finally {
      await db
        .updateTable('monitor_reports')
        .set({ body: report.body })
        .where('epoch', '=', 1)
        .where('monitor', '=', report.monitor)
        .execute();
      await db
        .updateTable('settlements')
        .set({ document: settlement.document })
        .where('epoch', '=', 1)
        .execute();
    }
  }, 60_000);
});
