import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig, type VigilConfig } from '../src/config/index.ts';
import { assembleCoordinator } from '../src/coordinator/assemble.ts';
import { createApiKey } from '../src/coordinator/auth/keys.ts';
import { loadCoordinatorKey } from '../src/coordinator/epochs/signing-key.ts';
import { silentLogger } from '../src/platform/log.ts';
import { isPostgresUrl, openStore } from '../src/store/store.ts';
import {
  type BackendName,
  createBenchDatabase,
  fmtInt,
  fmtMiB,
  fmtMs,
  machine,
  parseBackends,
  parseCount,
} from './lib/common.ts';
import { fleetSpecFor, nodeProfile } from './lib/fleet.ts';
import { waitForQuietLoad } from './lib/quiet-load.ts';
import {
  collectTwice,
  loadMetricHistory,
  loadSettlements,
  markQualityAndDeregistered,
} from './lib/search-setup.ts';
import { loadFleet, type SetupPhase } from './lib/sla-setup.ts';

/**
 * `npm run bench -- node-search [--backend sqlite|postgres|both] [--nodes 10000]
 *   [--outcomes 5000000] [--history 288] [--epochs 24] [--repeat 7] [--quiet-load L] [--keep]
 *   [--measure DATABASE_URL]`
 *
 * The dashboard's reads at the sla-collect data set's scale: the node table
 * (`GET /search/nodes`, a page of 100 sorted by each column) through the whole coordinator
 * (auth, validation, serialization), on the data set plus `--history` collections of metric
 * rows, two real collections, verdict counters for a third of the nodes and 1 % deregistered;
 * then a node's settled epochs (`--epochs` settlements of the whole fleet) and GET /config.
 * Target: a page of the table under ~100 ms on SQLite at 10,000 nodes.
 */
const TARGET_MS = 100;
/** The sla-collect benchmark's clock, so the data set is the same. */
const NOW = Date.UTC(2026, 0, 15, 12, 0, 17);

interface Case {
  label: string;
  url: string;
  /** The key's role: read for the tables, operator for /config. */
  role?: 'read' | 'operator';
  /** What came back, for the last column. */
  shows(body: unknown): string;
}

const page = (body: unknown) => {
  const b = body as { total: number; nodes: unknown[] };
  return `${b.nodes.length} of ${fmtInt(b.total)}`;
};
const epochRows = (body: unknown) => `${(body as { epochs: unknown[] }).epochs.length} epochs`;

function searchCases(nodes: number): Case[] {
  const sorts = [
    'node_id',
    'operator',
    'state',
    'live',
    'uptime',
    'response_time',
    'completion_rate',
    'quality_score',
    'open_violations',
    'last_heartbeat_at',
  ];
  const cases: Case[] = [];
  for (const sort of sorts) {
    for (const order of ['asc', 'desc']) {
      cases.push({
        label: `sort=${sort} order=${order}`,
        url: `/search/nodes?sort=${sort}&order=${order}`,
        shows: page,
      });
    }
  }
  const mid = Math.floor(nodes / 2);
  const last = Math.max(0, nodes - 200);
  cases.push(
    ...[
      { label: `sort=uptime offset=${mid}`, url: `/search/nodes?sort=uptime&offset=${mid}` },
      { label: `sort=node_id offset=${last}`, url: `/search/nodes?offset=${last}` },
      { label: 'sort=response_time limit=500', url: '/search/nodes?sort=response_time&limit=500' },
      { label: 'q=operator-01 sort=uptime', url: '/search/nodes?q=operator-01&sort=uptime' },
      { label: 'q=NODE-0012 (ids)', url: '/search/nodes?q=NODE-0012' },
      { label: 'live=false sort=last_heartbeat_at', url: '/search/nodes?live=false&sort=last_heartbeat_at' },
      {
        label: 'state=all sort=quality_score desc',
        url: '/search/nodes?state=all&sort=quality_score&order=desc',
      },
    ].map((c) => ({ ...c, shows: page })),
  );
  return cases;
}

/** A node's settled epochs (one still registered, one deregistered, one in none), and /config. */
function otherCases(nodes: number, epochs: number): Case[] {
  const member = `node-${String(Math.floor(nodes / 3)).padStart(6, '0')}`;
  const gone = `node-${String(5).padStart(6, '0')}`;
  return [
    { label: `${member}/epochs (default limit 12)`, url: `/nodes/${member}/epochs`, shows: epochRows },
    {
      label: `${member}/epochs?limit=${Math.min(100, epochs)}`,
      url: `/nodes/${member}/epochs?limit=${Math.min(100, epochs)}`,
      shows: epochRows,
    },
    { label: `${gone}/epochs (deregistered)`, url: `/nodes/${gone}/epochs`, shows: epochRows },
    { label: 'newcomer/epochs (member of none)', url: '/nodes/newcomer/epochs', shows: epochRows },
    {
      label: 'GET /config',
      url: '/config',
      role: 'operator',
      shows: (b) => `${(b as { settings: unknown[] }).settings.length} settings`,
    },
  ];
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string' },
      nodes: { type: 'string' },
      outcomes: { type: 'string' },
      history: { type: 'string' },
      epochs: { type: 'string' },
      keep: { type: 'boolean' },
      measure: { type: 'string' },
      repeat: { type: 'string' },
      'quiet-load': { type: 'string' },
    },
  });
  const nodes = parseCount(values.nodes, 10_000);
  const outcomes = parseCount(values.outcomes, 5_000_000);
  const history = parseCount(values.history, 288);
  const epochs = parseCount(values.epochs, 24);
  const repeat = Math.max(1, parseCount(values.repeat, 7));
  const config = defaultConfig();
  const s = config.sla;
  const spec = fleetSpecFor(s, { nodes, outcomes, now: NOW, peers: 24 });
  const quietLoad = values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']);
  const cases = [...searchCases(nodes), ...otherCases(nodes, epochs)];
  // The second collection's time: most nodes are live, the stopped ones not.
  const nowMs = NOW + s.collection_interval_s * 1000;
  if (values.measure !== undefined) {
    const backend: BackendName = isPostgresUrl(values.measure) ? 'postgres' : 'sqlite';
    await measure(backend, values.measure, config, cases, { repeat, quietLoad, nowMs });
    return;
  }

  const profiles = Array.from({ length: nodes }, (_, i) => nodeProfile(i, spec));
  console.log(
    `node-search: ${fmtInt(nodes)} nodes, ${fmtInt(outcomes)} outcomes, ${history} collections of history`,
  );
  console.log(`machine: ${machine()}`);

  for (const backend of parseBackends(values.backend)) {
    console.log(`\n== ${backend} ==`);
    const db = await createBenchDatabase(backend);
    try {
      const phases: SetupPhase[] = [];
      const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        const start = performance.now();
        const value = await fn();
        phases.push({ name, ms: performance.now() - start });
        return value;
      };
      const store = openStore({ databaseUrl: db.databaseUrl });
      await store.migrate();
      await store.close();
      await loadFleet(db, spec, profiles, new Set([0]), phases);
      await step(`metric history: ${fmtInt(history * nodes * 3)} rows`, () =>
        loadMetricHistory(db, config, spec, profiles, history),
      );
      const open = await step('two real collections', () => collectTwice(db.databaseUrl, config, spec));
      const marked = await step('verdict counters, deregistrations', () =>
        markQualityAndDeregistered(db.databaseUrl, spec, profiles),
      );
      const settled = await step(`${epochs} settlements of every node`, () =>
        loadSettlements(db, config, spec, profiles, epochs),
      );
      console.log('set-up (not part of the figures):');
      for (const p of phases) console.log(`  ${p.name.padEnd(60)} ${fmtMs(p.ms).padStart(9)}`);
      console.log(
        `  ${open} open violations, ${fmtInt(marked.judged)} nodes with verdicts, ${marked.deregistered} deregistered, ` +
          `settlement documents of ${fmtMiB(settled.documentBytes)}`,
      );
      await measureInChild(db.databaseUrl, args);
    } finally {
      if (values.keep) console.log(`kept: ${db.databaseUrl}`);
      else await db.cleanup();
    }
  }
}

/**
 * The measurement runs in a fresh process, as `--measure <database url>` (which also measures
 * a database kept with `--keep`): the set-up's gigabyte of heap would otherwise be collected
 * during the timed calls.
 */
function measureInChild(databaseUrl: string, args: readonly string[]): Promise<void> {
  const own = args.filter((a, i) => a !== '--keep' && a !== '--backend' && args[i - 1] !== '--backend');
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'run.ts'), 'node-search', ...own, '--measure', databaseUrl],
    { stdio: 'inherit' },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`measurement exited with ${code}`)),
    );
  });
}

/** Times each case through the assembled coordinator: one cold call, then `repeat` more. */
async function measure(
  backend: BackendName,
  databaseUrl: string,
  base: VigilConfig,
  cases: readonly Case[],
  { repeat, quietLoad, nowMs }: { repeat: number; quietLoad: number | undefined; nowMs: number },
): Promise<void> {
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-bench-key-'));
  const config: VigilConfig = {
    ...base,
    database_url: databaseUrl,
    auth: { ...base.auth, signing_key_path: join(keyDir, 'coordinator.key') },
  };
  const store = openStore({ databaseUrl });
  const key = await loadCoordinatorKey(config.auth.signing_key_path);
  const parts = await assembleCoordinator(store, config, key, { log: silentLogger, now: () => nowMs });
  try {
    const keys = {
      read: (await createApiKey(store.db, 'read', 'bench')).key,
      operator: (await createApiKey(store.db, 'operator', 'bench')).key,
    };
    // A node registered after every epoch shown: a member of none.
    await parts.app.inject({
      method: 'POST',
      url: '/nodes',
      headers: { authorization: `Bearer ${keys.operator}` },
      payload: { node_id: 'newcomer', max_parallel: 1 },
    });
    await waitForQuietLoad(quietLoad);
    console.log(
      `\nGET through the coordinator (app.inject), target ≤ ${TARGET_MS} ms on SQLite; ` +
        `first call / median (min–max) of ${repeat} more; load ${loadavg()[0]?.toFixed(1)}:`,
    );
    const medians: number[] = [];
    for (const c of cases) {
      const times: number[] = [];
      let shown = '';
      const headers = { authorization: `Bearer ${keys[c.role ?? 'read']}` };
      for (let i = 0; i <= repeat; i++) {
        const start = performance.now();
        const res = await parts.app.inject({ method: 'GET', url: c.url, headers });
        times.push(performance.now() - start);
        if (res.statusCode !== 200) throw new Error(`${c.url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
        shown = c.shows(res.json());
      }
      const [first, ...rest] = times as [number, ...number[]];
      rest.sort((a, b) => a - b);
      const median = rest[Math.floor((rest.length - 1) / 2)] ?? first;
      if (c.url.startsWith('/search/') && !c.url.includes('limit=500')) medians.push(median);
      console.log(
        `  ${c.label.padEnd(44)} ${fmtMs(first).padStart(7)} / ${fmtMs(median).padStart(6)} ` +
          `(${fmtMs(rest[0] ?? first)}–${fmtMs(rest.at(-1) ?? first)})  ${shown}`,
      );
    }
    const worst = Math.max(...medians);
    const verdict = backend !== 'sqlite' ? 'no target' : worst <= TARGET_MS ? 'met' : 'MISSED';
    console.log(`  slowest median of a 100-row page ${fmtMs(worst)} [${verdict}]`);
  } finally {
    parts.jobs.close();
    await parts.app.close();
    await parts.queue.close();
    await store.close();
    rmSync(keyDir, { recursive: true, force: true });
  }
}
