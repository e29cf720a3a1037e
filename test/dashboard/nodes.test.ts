import { describe, expect, it } from 'vitest';
import { collect, liveMinutes, MINUTE_MS, postOutcomes, register } from '../coordinator/api/support.ts';
import type { TestApi } from '../helpers/api.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { signedIn, useDashboard } from './support.ts';

const missing = chromiumMissing();
const NODES = 450;
const BEATING = 30;
const id = (i: number) => `node-${String(i).padStart(3, '0')}`;

/**
 * 450 nodes (more than one block of the virtualized table), 30 of them sending heartbeats for
 * 20 minutes, node-001 failing most of its jobs and node-002 silent half the time, then SLA
 * collections so that metrics, violations and capacity exist.
 */
async function seedFleet(api: TestApi): Promise<void> {
  api.clock.now = Date.now() - 25 * MINUTE_MS;
  for (let i = 0; i < NODES; i++) {
    const res = await register(api, {
      node_id: id(i),
      max_parallel: 4,
      operator: i % 2 === 0 ? 'acme' : 'globex',
    });
    expect(res.statusCode, res.body).toBe(201);
  }
  const beating = Array.from({ length: BEATING }, (_, i) => id(i));
  for (let m = 0; m < 20; m++) {
    await liveMinutes(api, 1, m % 2 === 0 ? beating : beating.filter((n) => n !== 'node-002'));
    if (m % 5 === 4) expect((await collect(api)).statusCode).toBe(200);
  }
  const at = api.clock.now;
  const outcomes = Array.from({ length: 20 }, (_, k) => ({
    job_id: `job-${k}`,
    node_id: 'node-001',
    topic: 'hash',
    status: k < 15 ? ('failure' as const) : ('success' as const),
    started_at: at - 60_000,
    finished_at: at - 59_000 + k,
  }));
  expect((await postOutcomes(api, outcomes)).statusCode).toBe(200);
  expect((await collect(api)).statusCode).toBe(200);
}

describe.skipIf(missing !== null)('dashboard: overview, nodes and a node in Chromium', () => {
  const h = useDashboard(
    (c) => {
      c.sla.slice_s = 60;
      c.sla.uptime_window_s = 3_600;
      c.sla.collection_interval_s = 60;
    },
    { seed: seedFleet },
  );

  it('the overview shows the fleet from one summary and its history', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    await page.getByText('critical', { exact: true }).first().waitFor();
    await page.getByRole('img', { name: /Open violations, last hour/ }).waitFor();
    await page.getByRole('img', { name: /Slots, busy and queued, last hour/ }).waitFor();
    // Another range redraws every chart over it, and the address keeps it for a reload.
    await page.getByLabel('Charts').selectOption('6h');
    await page.getByRole('img', { name: /Open violations, last 6 hours/ }).waitFor();
    expect(page.url()).toMatch(/#\/\?range=6h$/);
    await page.reload();
    await page.getByRole('img', { name: /Slots, busy and queued, last 6 hours/ }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('lists every node from the server, searches, sorts, and scrolls through blocks', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/nodes`);
    await page.getByText(`${NODES} nodes`).waitFor();
    // The table holds a screenful, never all 450 rows.
    const links = page.locator('table.virtual tbody a');
    await links.first().waitFor();
    expect(await links.count()).toBeLessThan(100);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Scrolled to the end, the last block comes from the server.
    await page.locator('.virtual-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await page.getByRole('link', { name: id(NODES - 1) }).waitFor();

    // Sorted by completion rate, ascending: node-001, failing most jobs, comes first.
    await page.getByRole('button', { name: 'Completion' }).click();
    await page.locator('table.virtual tbody tr').first().getByRole('link', { name: 'node-001' }).waitFor();
    expect(page.url()).toContain('sort=completion_rate');

    await page.getByLabel('Search').fill('node-00');
    await page.getByText('10 nodes').waitFor();
    await page.getByRole('link', { name: 'node-001' }).click();
    await page.getByRole('heading', { name: 'Node node-001', level: 1 }).waitFor();
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('a node’s page shows its metrics against thresholds, its evidence and its violations', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/nodes/node-002`);
    await page.getByRole('heading', { name: 'Node node-002', level: 1 }).waitFor();
    await page.getByRole('img', { name: /Uptime over the last 24 hours, threshold/ }).waitFor();
    await page.getByRole('img', { name: /slices had a heartbeat/ }).waitFor();
    const strip = await page.getByRole('img', { name: /slices had a heartbeat/ }).getAttribute('aria-label');
    // Silent every other minute for 20 minutes: about half its slices have a heartbeat.
    const [, beats, slices] = /(\d+) of (\d+) slices/.exec(strip ?? '') ?? [];
    expect(Number(beats)).toBeGreaterThan(5);
    expect(Number(beats)).toBeLessThan(Number(slices));
    await page.getByRole('heading', { name: 'Violations' }).waitFor();
    await page
      .getByRole('region', { name: 'Violations' })
      .getByRole('cell', { name: 'Uptime', exact: true })
      .first()
      .waitFor();
    await page.getByRole('heading', { name: 'Settled epochs' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  it('the nodes and a node’s page fit a phone-width screen in the dark scheme', async () => {
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
    const fits = async (fragment: string) => {
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      expect(overflow, fragment).toBeLessThanOrEqual(0);
      expect(await seriousA11yViolations(page), fragment).toEqual([]);
    };

    await page.goto(`${h().url}/#/nodes`);
    await page.getByText(`${NODES} nodes`).waitFor();
    const first = page.locator('table.virtual tbody a').first();
    await first.waitFor();
    // The table scrolls inside its own box; the search and the first node stay in view.
    expect(await page.getByLabel('Search').isVisible()).toBe(true);
    expect(await first.isVisible()).toBe(true);
    await fits('#/nodes');

    await page.goto(`${h().url}/#/nodes/node-002`);
    await page.getByRole('heading', { name: 'Node node-002', level: 1 }).waitFor();
    const chart = page.getByRole('img', { name: /Uptime over the last 24 hours, threshold/ });
    await chart.waitFor();
    await page.getByRole('img', { name: /slices had a heartbeat/ }).waitFor();
    const box = await chart.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? Infinity)).toBeLessThanOrEqual(390);
    expect(await page.getByRole('heading', { name: 'Settled epochs' }).count()).toBe(1);
    await fits('#/nodes/node-002');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
