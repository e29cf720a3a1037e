import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gap, type Worker, workersByNode } from '../../src/dashboard/pages/workers/model.ts';
import { get } from '../coordinator/api/support.ts';
import {
  declared,
  enc,
  hostsWithTopics,
  operator,
  type ReportJson,
  syncOk,
  type TestNode,
} from '../coordinator/workers/support.ts';
import { seriousA11yViolations } from '../helpers/axe.ts';
import { chromiumMissing, consoleErrors } from '../helpers/chromium.ts';
import { type DashboardHarness, PHONE_DARK, signedIn, useDashboard } from './support.ts';

const worker = (w: Partial<Worker>): Worker => ({
  worker_id: 'n/w',
  node_id: 'n',
  pool: 'p',
  source: 'api',
  enabled: true,
  generation: 0,
  topics: [],
  verify_topics: [],
  state: 'registered',
  reason: null,
  state_at_ms: 0,
  busy_slots: 0,
  queue_length: 0,
  benchmark: {},
  last_seen_at_ms: null,
  ...w,
});

describe('dashboard: desired and actual workers per node', () => {
  it('counts enabled workers as desired and those their host runs as actual', () => {
    const nodes = workersByNode([
      worker({ worker_id: 'b/1', node_id: 'b', state: 'ready' }),
      worker({ worker_id: 'a/1', node_id: 'a', state: 'working' }),
      worker({ worker_id: 'a/2', node_id: 'a', state: 'registered' }),
      worker({ worker_id: 'a/3', node_id: 'a', state: 'stopped', enabled: false }),
      worker({ worker_id: 'b/2', node_id: 'b', state: 'ready', enabled: false }),
    ]);
    expect(nodes).toEqual([
      {
        node_id: 'a',
        desired: 2,
        actual: 1,
        disabled: 1,
        states: [
          ['working', 1],
          ['registered', 1],
          ['stopped', 1],
        ],
      },
      { node_id: 'b', desired: 1, actual: 2, disabled: 1, states: [['ready', 2]] },
    ]);
    expect(nodes.map(gap)).toEqual(['1 short', '1 extra']);
  });
});

const missing = chromiumMissing();

/** A host's report of a worker an operator added (`declared: null`), in `state` since now. */
function added(workerId: string, state: string, from: string[] = []): ReportJson {
  const now = Date.now();
  const transitions = [...from, state].map((s, i, all) => ({
    state: s,
    reason: null,
    at_ms: now - (all.length - i),
  }));
  return declared(workerId, { pool: 'gpu', declared: null, state, transitions });
}

async function workerJson(h: DashboardHarness, id: string) {
  return (await get(h.api, `/workers/${enc(id)}`)).json() as Worker;
}

const rowOf = (page: Page, id: string) =>
  page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: id, exact: true }) });

describe.skipIf(missing !== null)('dashboard: the pools and workers pages in Chromium', () => {
  const h = useDashboard();
  let one: TestNode;
  let two: TestNode;

  beforeAll(async () => {
    [one, two] = (await hostsWithTopics(h().api, 2, [{ name: 'hash' }, { name: 'primes' }])) as [
      TestNode,
      TestNode,
    ];
    const pool = await operator(h().api, 'POST', '/pools', { name: 'gpu', description: 'big cards' });
    expect(pool.statusCode, pool.body).toBe(201);
    for (const [node, id] of [
      [one.id, `${one.id}/w0`],
      [two.id, `${two.id}/w0`],
    ] as const) {
      const res = await operator(h().api, 'POST', '/pools/gpu/workers', {
        worker_id: id,
        node_id: node,
        topics: [{ topic: 'hash', concurrency: 2 }],
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    // host-00 runs its own declared worker and the one the operator added; host-01 has not synced.
    await syncOk(h().api, one, [
      declared(`${one.id}/main`, {
        pool: 'gpu',
        transitions: ['starting', 'benchmarking', 'ready'].map((state, i) => ({
          state,
          reason: null,
          at_ms: Date.now() - 3 + i,
        })),
      }),
      added(`${one.id}/w0`, 'working', ['starting', 'ready']),
    ]);
  });

  it('shows each pool’s desired and actual workers per node, and a worker’s history', async () => {
    const { context, page } = await signedIn(h(), 'read');
    const errors = consoleErrors(page);
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('link', { name: 'Pools & workers' })
      .click();
    await page.getByRole('heading', { name: 'Pools and workers', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Desired and actual workers of pool gpu on each node' });
    await table.waitFor();
    const cells = (id: string) =>
      rowOf(page, id)
        .locator('th, td')
        .allTextContents()
        .then((texts) => texts.map((t) => t.trim()));
    expect(await cells(one.id)).toEqual([one.id, '2', '2', '1 working, 1 ready']);
    expect(await cells(two.id)).toEqual([two.id, '1', '0 (1 short)', '1 registered']);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'gpu' }).click();
    await page.getByRole('heading', { name: 'Pool gpu', level: 1 }).waitFor();
    await rowOf(page, `${one.id}/main`).getByText('ready').waitFor();
    expect(
      await page
        .getByRole('button')
        .filter({ hasText: /Disable|Restart|Remove/ })
        .count(),
    ).toBe(0);
    await page.getByRole('table', { name: `State changes on node ${one.id}` }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page
      .getByRole('link', { name: `${one.id}/main` })
      .first()
      .click();
    await page.getByRole('heading', { name: `Worker ${one.id}/main`, level: 1 }).waitFor();
    expect(page.url()).toContain(`#/workers/${enc(`${one.id}/main`)}`);
    const history = page.getByRole('table', { name: `State changes of worker ${one.id}/main, newest first` });
    await expect
      .poll(() => history.locator('tbody td.state').allTextContents())
      .toEqual(['ready', 'benchmarking', 'starting']);
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lets an operator disable, enable, restart, add and remove workers, and says what the API refused', async () => {
    const { context, page } = await signedIn(h(), 'operator');
    const errors = consoleErrors(page);
    await page.goto(`${h().url}/#/pools/gpu`);
    const w0 = `${one.id}/w0`;
    await rowOf(page, w0).getByText('working').waitFor();

    await page.getByRole('button', { name: `Disable worker ${w0}` }).click();
    await page.getByRole('status').getByText(`Disabled worker ${w0}`).waitFor();
    await rowOf(page, w0).getByText('disabled, generation 0').waitFor();
    expect(await workerJson(h(), w0)).toMatchObject({ enabled: false });
    // Its host stops it at its next sync, and the page shows that without a reload.
    await syncOk(h().api, one, [
      declared(`${one.id}/main`, { pool: 'gpu' }),
      added(w0, 'stopped', ['draining']),
    ]);
    await rowOf(page, w0).getByText('stopped').waitFor({ timeout: 10_000 });
    // And enabled again: the page says so, the API has it, and the host is told to run it.
    await page.getByRole('button', { name: `Enable worker ${w0}` }).click();
    await page.getByRole('status').getByText(`Enabled worker ${w0}`).waitFor();
    await rowOf(page, w0).getByText('enabled, generation 0').waitFor();
    await page.getByRole('button', { name: `Disable worker ${w0}` }).waitFor();
    expect(await workerJson(h(), w0)).toMatchObject({ enabled: true });
    const told = await syncOk(h().api, one, [
      declared(`${one.id}/main`, { pool: 'gpu' }),
      added(w0, 'stopped'),
    ]);
    expect(told.workers.find((d) => d.worker_id === w0)).toMatchObject({ enabled: true });

    await page.getByRole('button', { name: `Restart worker ${one.id}/main` }).click();
    await rowOf(page, `${one.id}/main`).getByText('enabled, generation 1').waitFor();
    expect(await workerJson(h(), `${one.id}/main`)).toMatchObject({ generation: 1 });
    // A worker the host's configuration declares cannot be removed from here.
    expect(await page.getByRole('button', { name: `Remove worker ${one.id}/main` }).count()).toBe(0);

    const form = page.getByRole('form', { name: 'Add a worker to pool gpu' });
    await form.getByLabel('Node').fill(two.id);
    await form.getByLabel('Worker id (optional)').fill(`${two.id}/w1`);
    await form.getByLabel('Topic').selectOption('primes');
    await form.getByLabel('Slots').fill('3');
    await form.getByRole('button', { name: 'Add worker' }).click();
    await page.getByRole('status').getByText(`Added worker ${two.id}/w1 to node ${two.id}.`).waitFor();
    await rowOf(page, `${two.id}/w1`).getByText('primes × 3').waitFor();
    expect(await workerJson(h(), `${two.id}/w1`)).toMatchObject({
      node_id: two.id,
      enabled: true,
      pool: 'gpu',
    });

    await page.getByRole('button', { name: `Remove worker ${two.id}/w1` }).click();
    const confirm = page.getByRole('button', { name: `Yes, remove worker ${two.id}/w1` });
    expect(await confirm.evaluate((button) => button === document.activeElement)).toBe(true);
    await confirm.click();
    await rowOf(page, `${two.id}/w1`).waitFor({ state: 'detached' });
    expect((await get(h().api, `/workers/${enc(`${two.id}/w1`)}`)).statusCode).toBe(404);

    await form.getByLabel('Node').fill('ghost');
    await form.getByRole('button', { name: 'Add worker' }).click();
    await page.getByRole('alert').getByText('node ghost is not registered').waitFor();
    // The refusal is the only failed call, and the browser logs it as such.
    expect(errors).toHaveLength(2);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/status of 404/),
        expect.stringMatching(/^404 POST .*\/pools\/gpu\/workers$/),
      ]),
    );
    await context.close();
  });

  it('shows a read key no action and the server refuses one made with its session anyway', async () => {
    const { context, page } = await signedIn(h(), 'read');
    await page.goto(`${h().url}/#/workers/${enc(`${one.id}/main`)}`);
    await page.getByRole('heading', { name: `Worker ${one.id}/main`, level: 1 }).waitFor();
    await page.getByText('enabled', { exact: true }).waitFor();
    expect(
      await page
        .getByRole('button')
        .filter({ hasText: /Enable|Disable|Restart|Remove/ })
        .count(),
    ).toBe(0);
    await page.goto(`${h().url}/#/pools/gpu`);
    await rowOf(page, `${one.id}/main`).waitFor();
    expect(await page.getByRole('form', { name: 'Add a worker to pool gpu' }).count()).toBe(0);
    const status = await page.evaluate(
      async (path) => {
        const res = await fetch(path, { method: 'POST', credentials: 'same-origin' });
        return res.status;
      },
      `/pools/gpu/workers/${enc(`${one.id}/main`)}/disable`,
    );
    expect(status).toBe(403);
    expect(await workerJson(h(), `${one.id}/main`)).toMatchObject({ enabled: true });
    await context.close();
  });

  it('fits a phone-width screen in the dark scheme', async () => {
    const { context, page } = await signedIn(h(), 'operator', PHONE_DARK);
    for (const fragment of ['#/pools', '#/pools/gpu', `#/workers/${enc(`${one.id}/w0`)}`]) {
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
