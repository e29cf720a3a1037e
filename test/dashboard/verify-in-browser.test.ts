import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, Route } from 'playwright-core';
import { injectPlugin } from 'rolldown/plugins';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedReport } from '../../src/core/reports/types.ts';
import {
  type PublishedSettlement,
  type VerificationDifference,
  verifyPublishedEpoch,
} from '../../src/core/settlement/verify-epoch.ts';
import type { BrowserVerification } from '../../src/dashboard/pages/epochs/verify-in-browser.ts';
import { browserShims } from '../../src/dashboard/shims/aliases.ts';
import { lines, runVigil } from '../cli/support.ts';
import {
  endOf,
  epochConfig,
  MINUTE_MS,
  reportOf,
  startNetwork,
  submitReport,
  type TestNode,
  targetsOf,
  tickAt,
  windowEndOf,
} from '../coordinator/epochs/support.ts';
import { createTestApi, type TestApi } from '../helpers/api.ts';
import { backends } from '../helpers/backends.ts';
import { chromiumMissing, consoleErrors, launchChromium } from '../helpers/chromium.ts';

// "Verify in this browser" (src/dashboard/pages/epochs/verify-in-browser.ts), bundled by Vite
// with the browser shims (decision 0062) and run in headless Chromium against a real coordinator
// over HTTP: it must conclude what `vigil verify` concludes, and name what was changed on the way.

const ENTRY = fileURLToPath(
  new URL('../../src/dashboard/pages/epochs/verify-in-browser.ts', import.meta.url),
);
const BUNDLE = 'verify-in-browser.js';
/** Where the page and the bundle are served from, on the coordinator's origin, by Playwright. */
const PAGE_PATH = '/__verify-test';

/** The module built as the dashboard builds it: Vite's library mode with the shims' aliases and inject. */
async function buildBundle(outDir: string): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    resolve: { alias: { ...browserShims.alias } },
    plugins: [injectPlugin(browserShims.inject, { include: browserShims.injectInto })],
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: ENTRY, formats: ['es'], fileName: () => BUNDLE },
    },
  });
  return readFileSync(join(outDir, BUNDLE), 'utf8');
}

/** Four nodes, two settled epochs (1 chained to 0); node-03 was down 6 of 12 checks in epoch 1. */
async function settledCoordinator(): Promise<{ api: TestApi; base: string }> {
  const sqlite = backends.find((b) => b.name === 'sqlite')!;
  const api = await createTestApi(sqlite, (c) => {
    epochConfig(c);
    c.monitoring.group_size = 3;
    c.rewards.pool_minor_units = '1000000';
  });
  const nodes: TestNode[] = await startNetwork(api, 4);
  for (const epoch of [0, 1]) {
    const plans = await Promise.all(
      nodes.map(async (n) => ({ n, targets: await targetsOf(api, epoch, n.id) })),
    );
    await tickAt(api, endOf(epoch) + MINUTE_MS);
    for (const { n, targets } of plans) {
      const down = (t: string) => (epoch === 1 && t === 'node-03' ? 6 : 0);
      const res = await submitReport(api, n, epoch, reportOf(n, epoch, targets, { down }));
      expect(res.statusCode, res.body).toBe(201);
    }
    await tickAt(api, windowEndOf(epoch));
  }
  const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
  return { api, base };
}

const skip = chromiumMissing();

describe.skipIf(skip !== null)('verify in this browser', () => {
  let outDir: string;
  let bundle: string;
  let api: TestApi;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'vigil-verify-bundle-'));
    let coordinator: { api: TestApi; base: string };
    [bundle, coordinator, browser] = await Promise.all([
      buildBundle(outDir),
      settledCoordinator(),
      launchChromium(),
    ]);
    ({ api, base } = coordinator);
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
  });

  /** A page on the coordinator's origin that has loaded the bundle; its console errors are collected. */
  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors = consoleErrors(page);
    await page.route(`${base}${PAGE_PATH}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === `${PAGE_PATH}/${BUNDLE}`) {
        return route.fulfill({ contentType: 'text/javascript', body: bundle });
      }
      return route.fulfill({
        contentType: 'text/html',
        body: [
          '<!doctype html><title>verify</title>',
          `<script type="module">import * as m from '${PAGE_PATH}/${BUNDLE}'; globalThis.vigilVerify = m;</script>`,
        ].join(''),
      });
    });
    await page.goto(`${base}${PAGE_PATH}/`);
    await page.waitForFunction(() => 'vigilVerify' in globalThis);
    return { page, errors };
  }

  /** Runs the module's verification of epoch n in the page, with the page's own fetch. */
  function verifyInPage(page: Page, n: number): Promise<BrowserVerification> {
    return page.evaluate((n) => {
      const m = (
        globalThis as unknown as {
          vigilVerify: typeof import('../../src/dashboard/pages/epochs/verify-in-browser.ts');
        }
      ).vigilVerify;
      return m.verifyEpochInBrowser(n, { fetchJson: m.fetchPublishedJson });
    }, n);
  }

  /** Serves `path` to the page as `change` rewrites the coordinator's own answer. */
  async function alter<T>(page: Page, path: string, change: (body: T) => void): Promise<void> {
    await page.route(`${base}${path}`, async (route: Route) => {
      const response = await route.fetch();
      const body = (await response.json()) as T;
      change(body);
      await route.fulfill({ response, json: body });
    });
  }

  async function getJson<T>(path: string): Promise<T> {
    const res = await fetch(`${base}${path}`);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  }

  /** What core concludes in Node over the same documents, the identity's key trusted. */
  async function verifiedInNode(
    n: number,
    change: { reports?: (r: SignedReport[]) => void; settlement?: (s: PublishedSettlement) => void } = {},
  ) {
    const reports = (await getJson<{ reports: SignedReport[] }>(`/epochs/${n}/reports`)).reports;
    const settlement = await getJson<PublishedSettlement>(`/epochs/${n}/settlement`);
    change.reports?.(reports);
    change.settlement?.(settlement);
    const key = (await getJson<{ public_key: string }>('/coordinator/identity')).public_key;
    const result = verifyPublishedEpoch({
      epoch: await getJson(`/epochs/${n}`),
      settlement,
      assignments: await getJson(`/epochs/${n}/assignments`),
      reports,
      previousSettlement: n === 0 ? null : await getJson(`/epochs/${n - 1}/settlement`),
      coordinatorKey: key,
    });
    return { ...result, coordinator_key: { public_key: key, source: 'identity' } };
  }

  const differencesOf = (result: BrowserVerification, check: string): VerificationDifference[] =>
    result.checks.find((c) => c.check === check)?.differences ?? [];

  it('is bundled without a trace of Node: no node: import is left', () => {
    expect(bundle).not.toMatch(/\bfrom\s*["']node:/);
    expect(bundle).not.toMatch(/\bimport\(\s*["']node:/);
  });

  it('concludes what vigil verify concludes on a settled, chained epoch', async () => {
    const { page, errors } = await openPage();
    const inBrowser = await verifyInPage(page, 1);
    const cli = await runVigil(['verify', '--epoch', '1', '--coordinator', base, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(inBrowser).toEqual(JSON.parse(cli.stdout));
    expect(inBrowser.ok).toBe(true);
    expect(inBrowser.checks.map((c) => [c.check, c.differences.length, c.skipped])).toEqual([
      ['signature', 0, null],
      ['chain', 0, null],
      ['groups', 0, null],
      ['reports', 0, null],
      ['settlement', 0, null],
    ]);
    // The epoch is not trivially right: node-03 lost part of its reward.
    const rewards = inBrowser.summary.total_reward;
    expect(BigInt(rewards)).toBeLessThan(1_000_000n);
    expect(await verifyInPage(page, 0)).toMatchObject({ ok: true, summary: { epoch: 0 } });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('names a published report that was altered, as core does in Node', async () => {
    const { page } = await openPage();
    let monitor = '';
    const lower = (reports: SignedReport[]) => {
      // A monitor's report now says node-03 was never down; the monitor did not sign that.
      const signed = reports.find((r) => r.report.targets.some((t) => t.target === 'node-03'))!;
      const target = signed.report.targets.find((t) => t.target === 'node-03')!;
      monitor = signed.report.monitor;
      target.up_samples = target.samples;
      target.downtime_intervals = 0;
    };
    await alter<{ reports: SignedReport[] }>(page, '/epochs/1/reports', (body) => lower(body.reports));
    const inBrowser = await verifyInPage(page, 1);
    expect(inBrowser).toEqual(await verifiedInNode(1, { reports: lower }));
    expect(inBrowser.ok).toBe(false);
    const reports = differencesOf(inBrowser, 'reports');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.line).toMatch(
      new RegExp(
        `^reports: report of ${monitor} \\(digest [0-9a-f]{16}…\\): signature does not verify under ${monitor}'s snapshot key$`,
      ),
    );
    // Recomputed without the forged report, the published settlement counted one report too many.
    expect(differencesOf(inBrowser, 'settlement')).toContainEqual(
      expect.objectContaining({ subject: '$.reports_accepted', published: 4, recomputed: 3 }),
    );
    await page.close();
  });

  it('names a reward that was altered, with the published and the recomputed amount', async () => {
    const { page } = await openPage();
    const settled = await getJson<PublishedSettlement>('/epochs/1/settlement');
    const original = settled.settlement.nodes.find((row) => row.node === 'node-01')!.reward;
    const raise = (published: PublishedSettlement) => {
      const row = published.settlement.nodes.find((r) => r.node === 'node-01')!;
      row.reward = String(BigInt(row.reward) + 500n);
    };
    await alter<PublishedSettlement>(page, '/epochs/1/settlement', raise);
    const inBrowser = await verifyInPage(page, 1);
    expect(inBrowser).toEqual(await verifiedInNode(1, { settlement: raise }));
    const raised = String(BigInt(original) + 500n);
    expect(differencesOf(inBrowser, 'settlement')).toEqual([
      {
        check: 'settlement',
        subject: '$.nodes[node=node-01].reward',
        published: raised,
        recomputed: original,
        line: `settlement $.nodes[node=node-01].reward: expected "${original}", got "${raised}"`,
      },
    ]);
    // Not re-signed, so the signature and the hash give it away too.
    expect(lines(inBrowser.differences.join('\n'))).toContain(
      'settlement signature: does not verify under the coordinator key',
    );
    expect(differencesOf(inBrowser, 'signature').map((d) => d.subject)).toEqual([
      'settlement signature',
      'settlement hash',
    ]);
    await page.close();
  });
});
