import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { defaultConfig } from '../src/config/index.ts';
import { createApiKey } from '../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../src/coordinator/server.ts';
import { silentLogger } from '../src/platform/log.ts';
import {
  type BackendName,
  createBenchDatabase,
  fmtInt,
  machine,
  parseBackends,
  parseCount,
} from './lib/common.ts';
import { benchNodeId, type LoadResult, type LoadSpec, runLoad } from './lib/load-generator.ts';

/**
 * `npm run bench -- ingest [--backend sqlite|postgres|both] [--nodes 1000] [--duration 10]
 *   [--connections 100] [--batch 100] [--generator child|inline]`
 *
 * A real coordinator (startCoordinator: Fastify, auth, validation, the heartbeat group-commit
 * batcher) on a temp database, listening on 127.0.0.1, loaded over HTTP by autocannon:
 * first heartbeats round-robin over the registered nodes, then batches of outcomes.
 */
const TARGET_HEARTBEATS_PER_S = 10_000;

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string', default: 'sqlite' },
      nodes: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      batch: { type: 'string' },
      generator: { type: 'string', default: 'child' },
    },
  });
  if (values.generator !== 'child' && values.generator !== 'inline') {
    throw new Error(`--generator must be child or inline, not "${values.generator}"`);
  }
  const opts = {
    nodes: parseCount(values.nodes, 1_000),
    durationS: parseCount(values.duration, 10),
    warmupS: parseCount(values.warmup, 3),
    connections: parseCount(values.connections, 100),
    batch: parseCount(values.batch, 100),
    inline: values.generator === 'inline',
  };
  console.log(
    `ingest: ${fmtInt(opts.nodes)} nodes, ${opts.connections} connections, ${opts.durationS} s per run ` +
      `(after ${opts.warmupS} s warm-up), outcomes in batches of ${opts.batch}, ` +
      `load generator ${opts.inline ? 'in the coordinator process' : 'in its own process'}`,
  );
  console.log(`machine: ${machine()}`);
  for (const backend of parseBackends(values.backend)) await runBackend(backend, opts);
}

async function runBackend(
  backend: BackendName,
  opts: {
    nodes: number;
    durationS: number;
    warmupS: number;
    connections: number;
    batch: number;
    inline: boolean;
  },
): Promise<void> {
  console.log(`\n== ${backend} ==`);
  const db = await createBenchDatabase(backend);
  // The coordinator's signing key goes in a folder of the benchmark's own, never ./data.
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  let running: RunningCoordinator | undefined;
  try {
    const config = defaultConfig();
    config.database_url = db.databaseUrl;
    config.port = 0;
    config.host = '127.0.0.1';
    config.auth.signing_key_path = join(keyDir, 'coordinator.key');
    running = await startCoordinator(config, { log: silentLogger });
    const { key } = await createApiKey(running.store.db, 'operator', 'bench');
    await registerNodes(running.url, key, opts.nodes);

    for (const kind of ['heartbeat', 'outcomes'] as const) {
      const spec = (durationS: number): LoadSpec => ({
        url: running?.url ?? '',
        key,
        kind,
        nodes: opts.nodes,
        durationS,
        connections: opts.connections,
        batch: opts.batch,
        runId: `${kind}-${durationS}-${Date.now()}`,
      });
      // Warm-up: JIT, prepared statements, key cache, pool connections.
      await load(spec(opts.warmupS), opts.inline);
      const before = await serverCounts(running, key);
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      const r = await load(spec(opts.durationS), opts.inline);
      const cpuUsed = process.cpuUsage(cpu);
      const loopBusy = performance.eventLoopUtilization(elu).utilization;
      const after = await serverCounts(running, key);
      const perRequest = kind === 'heartbeat' ? 1 : opts.batch;
      const rate = (r.ok * perRequest) / r.durationS;
      const server =
        `coordinator process CPU ${Math.round((100 * (cpuUsed.user + cpuUsed.system)) / 1e6 / r.durationS)} % of one core, ` +
        `event loop busy ${Math.round(100 * loopBusy)} %`;
      if (kind === 'heartbeat') {
        // The target is the issue's, for SQLite.
        const verdict =
          backend !== 'sqlite' ? 'is for SQLite' : rate >= TARGET_HEARTBEATS_PER_S ? 'met' : 'MISSED';
        console.log(
          `heartbeats: ${fmtInt(rate)} accepted/s  [target ≥ ${fmtInt(TARGET_HEARTBEATS_PER_S)}/s ${verdict}]`,
        );
        console.log(
          `  server counted ${fmtInt(after.heartbeats - before.heartbeats)} accepted, autocannon saw ${fmtInt(r.ok)} 2xx`,
        );
      } else {
        console.log(
          `outcomes: ${fmtInt(rate)} accepted/s (${fmtInt(r.ok / r.durationS)} batches/s of ${opts.batch})`,
        );
        console.log(
          `  job_outcomes grew by ${fmtInt(after.outcomes - before.outcomes)}, autocannon saw ${fmtInt(r.ok)} 2xx`,
        );
      }
      console.log(
        `  latency p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms; ` +
          `non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts} ${JSON.stringify(r.statusCodes)}`,
      );
      console.log(
        `  ${serverLatency(before, after, kind === 'heartbeat' ? '/nodes/:node_id/heartbeat' : '/outcomes')}`,
      );
      console.log(`  ${server}`);
    }
  } finally {
    await running?.close();
    await db.cleanup();
    rmSync(keyDir, { recursive: true, force: true });
  }
}

/** Registers the fleet through the API, twenty requests at a time. */
async function registerNodes(url: string, key: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${url}/nodes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ node_id: benchNodeId(i), max_parallel: 4, topics: ['inference'] }),
      });
      if (res.status >= 300)
        throw new Error(`registering ${benchNodeId(i)}: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
}

interface ServerCounts {
  heartbeats: number;
  outcomes: number;
  /** Cumulative request-duration histogram per route: upper bound (s) → count. */
  durations: Map<string, Map<number, number>>;
}

/** What the coordinator itself says: its heartbeat counter, the outcome rows, its request-duration histogram. */
async function serverCounts(running: RunningCoordinator, key: string): Promise<ServerCounts> {
  const res = await fetch(`${running.url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
  const durations = new Map<string, Map<number, number>>();
  let heartbeats = 0;
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('vigil_heartbeats_total{result="accepted"}'))
      heartbeats = Number(line.split(' ').at(-1));
    if (!line.startsWith('vigil_http_request_duration_seconds_bucket')) continue;
    const route = /route="([^"]*)"/.exec(line)?.[1] ?? '';
    const le = /le="([^"]*)"/.exec(line)?.[1] ?? '+Inf';
    const buckets = durations.get(route) ?? new Map<number, number>();
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.split(' ').at(-1)));
    durations.set(route, buckets);
  }
  const { rows } = await sql<{ n: number }>`select count(*) as n from job_outcomes`.execute(running.store.db);
  return { heartbeats, outcomes: Number(rows[0]?.n ?? 0), durations };
}

/**
 * Server-side latency (request received → response sent) from the coordinator's own
 * histogram, as bucket upper bounds: tells queueing inside the server from queueing in the
 * load generator or the network.
 */
function serverLatency(before: ServerCounts, after: ServerCounts, route: string): string {
  const a = after.durations.get(route) ?? new Map<number, number>();
  const b = before.durations.get(route) ?? new Map<number, number>();
  const delta = [...a].map(([le, n]) => [le, n - (b.get(le) ?? 0)] as const).sort((x, y) => x[0] - y[0]);
  const total = delta.at(-1)?.[1] ?? 0;
  const q = (p: number) => {
    const le = delta.find(([, n]) => n >= p * total)?.[0] ?? Number.POSITIVE_INFINITY;
    return le === Number.POSITIVE_INFINITY ? `> ${(delta.at(-2)?.[0] ?? 0) * 1000} ms` : `≤ ${le * 1000} ms`;
  };
  return `server-side p50 ${q(0.5)}, p99 ${q(0.99)} (histogram buckets, ${fmtInt(total)} requests)`;
}

function load(spec: LoadSpec, inline: boolean): Promise<LoadResult> {
  if (inline) return runLoad(spec);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'lib', 'load-generator.ts'), JSON.stringify(spec)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult);
      else reject(new Error(`load generator exited with ${code}: ${out}`));
    });
  });
}
