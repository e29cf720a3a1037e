import { describe, expect, it } from 'vitest';
import {
  endOf,
  epochConfig,
  MINUTE_MS,
  reportOf,
  startNetwork,
  submitReport,
  targetsOf,
  tickAt,
  windowEndOf,
} from '../coordinator/epochs/support.ts';
import type { TestApi } from '../helpers/api.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { signedIn, useDashboard } from './support.ts';

const missing = chromiumMissing();

/** Four nodes and two settled epochs (1 chained to 0); node-03 was down 6 of 12 checks in epoch 1. */
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
}

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
    await page.getByRole('link', { name: '1', exact: true }).click();
    await page.getByRole('heading', { name: 'Epoch 1', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Rewards' }).waitFor();
    await page.getByText('Pool 1000000').waitFor();
    // node-03 was down half its checks: it earns least; the table sorts by reward, most first.
    const rows = page.locator('section[aria-labelledby="rewards-heading"] tbody tr th');
    await rows.first().waitFor();
    expect(await rows.last().textContent()).toBe('node-03');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Verify in this browser' }).click();
    await page.getByText(/^Verified: the settlement matches its reports/).waitFor({ timeout: 20_000 });
    expect(await page.locator('.checks > li .good').count()).toBe(5);
    expect(errors).toEqual([]);
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
