import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { defaultConfig } from '../src/config/index.ts';
import { createApiKey } from '../src/coordinator/auth/keys.ts';
import { DASHBOARD_DIR } from '../src/coordinator/dashboard/routes.ts';
import { startCoordinator } from '../src/coordinator/server.ts';
import { silentLogger } from '../src/platform/log.ts';
import { openStore } from '../src/store/store.ts';
import { buildDashboard } from '../tools/build-dashboard.ts';
import { bundleSizes } from './lib/bundle-size.ts';
import { createBenchDatabase, fmtInt, machine, parseCount } from './lib/common.ts';
import {
  coldLoad,
  type LoadFigures,
  median,
  type PageProbe,
  scrollWholeList,
} from './lib/dashboard-measure.ts';
import { fleetSpecFor, nodeId, nodeProfile } from './lib/fleet.ts';
import { waitForQuietLoad } from './lib/quiet-load.ts';
import { loadFleet, type SetupPhase } from './lib/sla-setup.ts';

/**
 * `npm run bench -- dashboard [--nodes 10000,1000] [--outcomes 5000000] [--runs 3] [--quiet-load L] [--trace FILE]`
 *
 * The issue's figures for the dashboard: the sla-collect data set (10,000 nodes, 5 M outcomes,
 * 24 monitors' verdicts) on SQLite, a real coordinator serving the built dashboard, and
 * headless Chromium on this machine: cold loads of the Overview, Nodes and a node's page
 * (content on screen, then settled), long tasks while scrolling the whole node list, and the
 * JavaScript a first load fetches, gzipped. Smaller fleets get outcomes in proportion.
 * `--trace FILE` writes a Chromium trace of each scroll (FILE-<nodes>.json) for DevTools.
 */
const TARGETS = { overview: 1_500, nodes: 1_500, node: 1_000 } as const;

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string' },
      outcomes: { type: 'string' },
      runs: { type: 'string' },
      'quiet-load': { type: 'string' },
      trace: { type: 'string' },
    },
  });
  const sizes = (values.nodes ?? '10000,1000').split(',').map((n) => parseCount(n, 10_000));
  const runs = Math.max(1, parseCount(values.runs, 3));
  const quietLoad = values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']);
  await buildDashboard();
  const bundle = bundleSizes(DASHBOARD_DIR);
  console.log(`dashboard: ${sizes.map(fmtInt).join(' and ')} nodes, ${runs} cold loads per page`);
  console.log(`machine: ${machine()}`);
  console.log(
    `initial JavaScript: ${kb(bundle.initialJsGzip)} gzipped (${kb(bundle.initialJsRaw)} raw; target ≤ 200 KB gzipped: ${bundle.initialJsGzip <= 200 * 1024 ? 'met' : 'MISSED'}), CSS ${kb(bundle.cssGzip)} gzipped`,
  );
  console.log(
    `chunks loaded with their page: ${bundle.chunks.map((c) => `${c.file.replace(/^assets\//, '')} ${kb(c.gzip)}`).join(', ')}`,
  );
  for (const nodes of sizes) {
    const outcomes =
      values.outcomes === undefined
        ? Math.round((5_000_000 * nodes) / 10_000)
        : parseCount(values.outcomes, 5_000_000);
    const trace =
      values.trace === undefined ? undefined : values.trace.replace(/(\.json)?$/, `-${nodes}.json`);
    await measureFleet(nodes, outcomes, runs, quietLoad, trace);
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function measureFleet(
  nodes: number,
  outcomes: number,
  runs: number,
  quietLoad: number | undefined,
  trace: string | undefined,
): Promise<void> {
  console.log(`\n== ${fmtInt(nodes)} nodes, ${fmtInt(outcomes)} outcomes, SQLite ==`);
  const config = defaultConfig();
  // Now, so the coordinator's own clock finds the data set's last day as its last day.
  const spec = fleetSpecFor(config.sla, { nodes, outcomes, now: Date.now(), peers: 24 });
  const profiles = Array.from({ length: nodes }, (_, i) => nodeProfile(i, spec));
  const db = await createBenchDatabase('sqlite');
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-bench-key-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const setupStart = performance.now();
    const store = openStore({ databaseUrl: db.databaseUrl });
    await store.migrate();
    await store.close();
    const phases: SetupPhase[] = [];
    await loadFleet(db, spec, profiles, new Set([0]), phases);
    config.database_url = db.databaseUrl;
    config.port = await freePort();
    config.auth.signing_key_path = join(keyDir, 'coordinator.key');
    config.log_level = 'warn';
    const coordinator = await startCoordinator(config, { log: silentLogger });
    try {
      const admin = await createApiKey(coordinator.store.db, 'admin', 'bench');
      const base = coordinator.url.replace('://[::1]', '://127.0.0.1');
      const collected = await fetch(`${base}/sla/metrics/collect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.key}` },
      });
      if (!collected.ok) throw new Error(`collection failed: ${collected.status} ${await collected.text()}`);
      console.log(
        `set-up (bulk load and one collection, not part of the figures): ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
      );

      const signIn = await browser.newContext();
      await signIn.request.post(`${base}/auth/session`, { data: { key: admin.key } });
      const session = await signIn.cookies();

      const probes: PageProbe[] = [
        { name: 'overview', hash: '#/', ready: 'section[aria-labelledby="sla-heading"] .figures' },
        { name: 'nodes', hash: '#/nodes', ready: 'table.virtual tbody tr td a' },
        { name: 'node', hash: `#/nodes/${nodeId(Math.floor(nodes / 2))}`, ready: 'canvas.strip' },
      ];
      console.log(`cold loads, median of ${runs} (content on screen / settled, no long task after it):`);
      for (const probe of probes) {
        const figures: LoadFigures[] = [];
        for (let run = 0; run < runs; run++) {
          const load = await waitForQuietLoad(quietLoad);
          figures.push(await coldLoad(browser, base, session, probe));
          if (run === 0)
            console.log(`  (${probe.name}: 1-min load average ${load.toFixed(1)} at the first run)`);
        }
        const interactive = median(figures.map((f) => f.interactiveMs));
        const target = TARGETS[probe.name as keyof typeof TARGETS];
        console.log(
          `  ${probe.name.padEnd(9)} content ${fmtMs(median(figures.map((f) => f.contentMs)))}  interactive ${fmtMs(interactive)}  ` +
            `[target ≤ ${fmtMs(target)}: ${interactive <= target ? 'met' : 'MISSED'}]  ` +
            `long tasks ${median(figures.map((f) => f.longTasks))} (longest ${fmtMs(median(figures.map((f) => f.longestTaskMs)))}), ` +
            `${median(figures.map((f) => f.transferredKb)).toFixed(0)} KB transferred ` +
            `(${median(figures.map((f) => f.decodedKb)).toFixed(0)} KB decoded)`,
        );
      }
      await waitForQuietLoad(quietLoad);
      const scroll = await scrollWholeList(signIn, base, { tracePath: trace });
      console.log(
        `scrolling all ${fmtInt(scroll.rows)} rows of the node list: ${scroll.frames} frames in ${fmtMs(scroll.ms)} ` +
          `(frame to frame: median ${fmtMs(scroll.frameMedianMs)}, 95th percentile ${fmtMs(scroll.frameP95Ms)}), ` +
          `${scroll.longTasks} long tasks over 50 ms (longest ${fmtMs(scroll.longestTaskMs)}) ` +
          `[target none: ${scroll.longTasks === 0 ? 'met' : 'MISSED'}]; ${scroll.rowsShownAtEnd} rows on screen at the end`,
      );
      await signIn.close();
    } finally {
      await coordinator.close();
    }
  } finally {
    await browser.close();
    rmSync(keyDir, { recursive: true, force: true });
    await db.cleanup();
  }
}

const fmtMs = (ms: number) => `${Math.round(ms)} ms`;
