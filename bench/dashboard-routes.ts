import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig, type VigilConfig } from '../src/config/index.ts';
import { topicSchema } from '../src/config/topic-schema.ts';
import { openStore } from '../src/store/store.ts';
import { createBenchDatabase, fmtInt, fmtMs, machine, parseBackends, parseCount } from './lib/common.ts';
import { genesisFor, type HistorySpec, loadDashboardHistory } from './lib/dashboard-setup.ts';
import { type FleetSpec, fleetSpecFor, type NodeProfile, nodeProfile } from './lib/fleet.ts';
import { type DashboardRequest, measureRoutes, type RouteTiming } from './lib/route-timing.ts';
import { loadFleet, type SetupPhase } from './lib/sla-setup.ts';

/**
 * `npm run bench -- dashboard-routes [--backend sqlite|postgres|both] [--nodes 10000]
 *   [--outcomes 5000000] [--metric-hours 24] [--job-days 2] [--days 7] [--repeat 20]
 *   [--measure-runs 1] [--quiet-load L] [--keep]`
 *
 * The sla-collect data set (10,000 nodes, 5,000,000 outcomes) plus what a coordinator that ran
 * beside it for days stores for the dashboard's reads (bench/lib/dashboard-setup.ts), then
 * GET /fleet/summary and GET /series timed through the whole API in a fresh process.
 */
const NOW = Date.UTC(2026, 0, 15, 12, 0, 17);
const RESULT_MARK = '@@dashboard-routes-result ';
const TARGET_MS = 100;
const TOPICS = ['embedding', 'inference', 'render', 'transcode'];

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string' },
      nodes: { type: 'string' },
      outcomes: { type: 'string' },
      'metric-hours': { type: 'string' },
      'job-days': { type: 'string' },
      days: { type: 'string' },
      repeat: { type: 'string' },
      'measure-runs': { type: 'string' },
      'quiet-load': { type: 'string' },
      keep: { type: 'boolean' },
      child: { type: 'string' },
    },
  });
  const nodes = parseCount(values.nodes, 10_000);
  const outcomes = parseCount(values.outcomes, 5_000_000);
  const config = benchConfig();
  const spec = fleetSpecFor(config.sla, { nodes, outcomes, now: NOW, peers: 0 });
  const profiles = Array.from({ length: nodes }, (_, i) => nodeProfile(i, spec));
  const repeat = Math.max(1, parseCount(values.repeat, 20));

  if (values.child !== undefined) {
    const store = openStore({ databaseUrl: values.child });
    try {
      const timings = await measureRoutes(store, config, NOW, requestsFor(profiles), {
        repeat,
        tenant: 'tenant-03',
      });
      process.stdout.write(`${RESULT_MARK}${JSON.stringify(timings)}\n`);
    } finally {
      await store.close();
    }
    return;
  }

  const history: HistorySpec = {
    metricHours: parseCount(values['metric-hours'], 24),
    jobDays: parseCount(values['job-days'], 2),
    days: parseCount(values.days, 7),
    collectionMs: config.sla.collection_interval_s * 1000,
  };
  console.log(`dashboard-routes: ${fmtInt(nodes)} nodes, ${fmtInt(outcomes)} outcomes`);
  console.log(
    `history: ${history.metricHours} h of SLA readings, ${history.jobDays} days of jobs, ${history.days} days of snapshots, violations and topic samples`,
  );
  console.log(`machine: ${machine()}`);
  for (const backend of parseBackends(values.backend)) {
    console.log(`\n== ${backend} ==`);
    const db = await createBenchDatabase(backend);
    try {
      const phases: SetupPhase[] = [];
      const store = openStore({ databaseUrl: db.databaseUrl });
      await store.migrate();
      await store.close();
      await loadFleet(db, spec, profiles, new Set(), phases);
      const rows = await loadDashboardHistory(db, spec, profiles, history, phases);
      console.log('set-up (bulk load, not part of the figures):');
      for (const p of phases) console.log(`  ${p.name.padEnd(50)} ${fmtMs(p.ms).padStart(9)}`);
      for (const [table, n] of Object.entries(rows))
        console.log(`  rows: ${table.padEnd(44)} ${fmtInt(n).padStart(11)}`);
      const runs = Math.max(1, parseCount(values['measure-runs'], 1));
      for (let run = 1; run <= runs; run++) {
        await waitForQuiet(values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']));
        if (runs > 1) console.log(`measuring process ${run} of ${runs}:`);
        print(await measureInChild(db.databaseUrl, nodes, outcomes, repeat), repeat);
      }
      if (values.keep) console.log(`kept: ${db.databaseUrl}`);
    } finally {
      if (!values.keep) await db.cleanup();
    }
  }
}

function benchConfig(): VigilConfig {
  const config = defaultConfig();
  config.topics = TOPICS.map((name) => topicSchema.parse({ name }));
  config.epochs.genesis = new Date(genesisFor({ now: NOW } as FleetSpec)).toISOString();
  return config;
}

/** What the dashboard asks: the overview, then one of each kind of series over its usual ranges. */
function requestsFor(profiles: readonly NodeProfile[]): DashboardRequest[] {
  const steady = profiles.find((p) => p.kind === 'steady' && !p.slow)?.node_id ?? 'node-000000';
  const slow = profiles.find((p) => p.slow)?.node_id ?? steady;
  const read = (url: string): DashboardRequest => ({ url, as: 'read' });
  return [
    read('/fleet/summary'),
    { url: '/fleet/summary', as: 'tenant' },
    read(`/series?name=node.uptime_pct&node_id=${steady}&hours=24`),
    read(`/series?name=node.response_time_ms&node_id=${slow}&hours=24`),
    read(`/series?name=node.completion_rate_pct&node_id=${steady}&hours=24&points=2000`),
    read('/series?name=fleet.busy&hours=24'),
    read('/series?name=fleet.slots&hours=168'),
    read('/series?name=fleet.violations_open&hours=24'),
    read('/series?name=fleet.violations_open&hours=168'),
    read('/series?name=jobs.finished&hours=1'),
    read('/series?name=jobs.finished&hours=24'),
    read('/series?name=jobs.finished&status=dead&hours=24'),
    read('/series?name=jobs.finished&topic=render&hours=24'),
    read('/series?name=jobs.submitted&hours=24'),
    { url: '/series?name=jobs.finished&hours=24', as: 'tenant' },
    read('/series?name=jobs.finished&hours=48'),
    read('/series?name=topic.ready&topic=inference&hours=168'),
  ];
}

function measureInChild(
  databaseUrl: string,
  nodes: number,
  outcomes: number,
  repeat: number,
): Promise<RouteTiming[]> {
  const args = [
    join(import.meta.dirname, 'run.ts'),
    'dashboard-routes',
    '--child',
    databaseUrl,
    '--nodes',
    String(nodes),
    '--outcomes',
    String(outcomes),
    '--repeat',
    String(repeat),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || line === undefined)
        reject(new Error(`measuring process exited with ${code}\n${out}`));
      else resolve(JSON.parse(line.slice(RESULT_MARK.length)) as RouteTiming[]);
    });
  });
}

function print(timings: readonly RouteTiming[], repeat: number): void {
  console.log(
    `requests in a fresh process, ${repeat} timed after the first; wall ms (first / median / p90 / max), CPU median, target ≤ ${TARGET_MS} ms median:`,
  );
  for (const t of timings) {
    const who = t.as === 'tenant' ? ' (tenant key)' : '';
    const verdict = t.median_ms <= TARGET_MS ? '' : '  OVER';
    console.log(
      `  ${`${t.url}${who}`.padEnd(72)} ${String(t.status)} ${String(t.points ?? '-').padStart(4)} pts ${fmtInt(t.bytes).padStart(7)} B  ` +
        `${t.first_ms.toFixed(1).padStart(7)} / ${t.median_ms.toFixed(1).padStart(6)} / ${t.p90_ms.toFixed(1).padStart(6)} / ${t.max_ms.toFixed(1).padStart(6)}  cpu ${t.cpu_median_ms.toFixed(1).padStart(6)}  load ${t.load.toFixed(1)}${verdict}`,
    );
  }
}

/** On a shared machine: wait (at most 10 min) until the 1-minute load average drops below `below`. */
async function waitForQuiet(below: number | undefined): Promise<void> {
  if (below === undefined) return;
  const deadline = Date.now() + 600_000;
  while ((loadavg()[0] ?? 0) >= below && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5_000));
}
