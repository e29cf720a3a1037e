import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { defaultConfig } from '../src/config/index.ts';
import { createApiKey } from '../src/coordinator/auth/keys.ts';
import { drawGroups, isReady } from '../src/coordinator/epochs/assignments.ts';
import { type RunningCoordinator, startCoordinator } from '../src/coordinator/server.ts';
import { silentLogger } from '../src/platform/log.ts';
import { getEpoch } from '../src/store/repositories/epochs.ts';
import {
  type BackendName,
  createBenchDatabase,
  fmtInt,
  machine,
  parseBackends,
  parseCount,
} from './lib/common.ts';
import {
  benchNodePublicKey,
  type InterimResult,
  type InterimSpec,
  runInterims,
} from './lib/interim-generator.ts';
import { benchNodeId, type LoadResult, type LoadSpec, runLoad } from './lib/load-generator.ts';

/**
 * `npm run bench -- ingest [--backend sqlite|postgres|both] [--nodes 1000] [--duration 10]
 *   [--connections 100] [--batch 100] [--generator child|inline] [--interim on|off]
 *   [--interim-period 900] [--interim-factor 1] [--interim-connections 16] [--repeat 1]`
 *
 * A real coordinator (startCoordinator: Fastify, auth, validation, the heartbeat group-commit
 * batcher) on a temp database, listening on 127.0.0.1, loaded over HTTP by autocannon:
 * first heartbeats round-robin over the registered nodes, then batches of outcomes. With
 * `--interim on` (the default) the nodes have keys and are members of the current epoch, and
 * each of those runs is repeated with node-signed interim summaries arriving beside it at the
 * fleet's real rate (nodes / interim period per second); last, interim summaries alone as fast
 * as the coordinator takes them.
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
      interim: { type: 'string', default: 'on' },
      'interim-period': { type: 'string' },
      'interim-connections': { type: 'string' },
      repeat: { type: 'string' },
      'interim-factor': { type: 'string' },
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
    interim: values.interim === 'on',
    interimPeriodS: parseCount(values['interim-period'], defaultConfig().monitoring.interim_period_s),
    interimConnections: parseCount(values['interim-connections'], 16),
    repeat: Math.max(1, parseCount(values.repeat, 1)),
    interimFactor: Number(values['interim-factor'] ?? 1),
  };
  if (!(opts.interimFactor > 0)) throw new Error(`--interim-factor must be a positive number`);
  if (values.interim !== 'on' && values.interim !== 'off') {
    throw new Error(`--interim must be on or off, not "${values.interim}"`);
  }
  console.log(
    `ingest: ${fmtInt(opts.nodes)} nodes, ${opts.connections} connections, ${opts.durationS} s per run ` +
      `(after ${opts.warmupS} s warm-up), outcomes in batches of ${opts.batch}, ` +
      `load generator ${opts.inline ? 'in the coordinator process' : 'in its own process'}`,
  );
  if (opts.interim) {
    console.log(
      `interim summaries: one per node every ${opts.interimPeriodS} s = ${(opts.nodes / opts.interimPeriodS).toFixed(1)}/s, ` +
        `node-signed, each of the monitor's targets with ${Math.max(1, Math.round(opts.interimPeriodS / defaultConfig().monitoring.probe_interval_s))} probes`,
    );
  }
  console.log(`machine: ${machine()}`);
  for (const backend of parseBackends(values.backend)) await runBackend(backend, opts);
}

interface Opts {
  nodes: number;
  durationS: number;
  warmupS: number;
  connections: number;
  batch: number;
  inline: boolean;
  interim: boolean;
  interimPeriodS: number;
  interimConnections: number;
  /** Runs of each load alone and with interims, alternating. */
  repeat: number;
  /** Interim summaries beside the load at this multiple of the real rate (1: the real rate). */
  interimFactor: number;
}

const HOUR_MS = 3_600_000;

async function runBackend(backend: BackendName, opts: Opts): Promise<void> {
  console.log(`\n== ${backend} ==`);
  const db = await createBenchDatabase(backend);
  // The coordinator's signing key and the assignment file go in a folder of the benchmark's own.
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-bench-ingest-'));
  let running: RunningCoordinator | undefined;
  try {
    const config = defaultConfig();
    config.database_url = db.databaseUrl;
    config.port = 0;
    config.host = '127.0.0.1';
    config.auth.signing_key_path = join(keyDir, 'coordinator.key');
    // The nodes are registered on a clock two hours behind, so they are members of the epoch
    // that (on the real clock) started an hour ago; then the clock is set right.
    const realStart = Date.now();
    config.epochs.genesis = new Date(realStart - HOUR_MS).toISOString();
    let offsetMs = opts.interim ? -2 * HOUR_MS : 0;
    running = await startCoordinator(config, { log: silentLogger, now: () => Date.now() + offsetMs });
    const { key } = await createApiKey(running.store.db, 'operator', 'bench');
    const t0 = performance.now();
    await registerNodes(running.url, key, opts.nodes, opts.interim);
    console.log(
      `registered ${fmtInt(opts.nodes)} nodes${opts.interim ? ' with public keys' : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    offsetMs = 0;
    const assignmentsPath = join(keyDir, 'assignments.json');
    if (opts.interim) await writeAssignments(running, assignmentsPath, opts.nodes);
    let interimStart = 0;
    const interimSpec = (durationS: number, ratePerS: number): InterimSpec => {
      const spec: InterimSpec = {
        url: running?.url ?? '',
        epoch: 0,
        assignmentsPath,
        durationS,
        ratePerS,
        connections: opts.interimConnections,
        probeIntervalS: config.monitoring.probe_interval_s,
        probesPerTarget: Math.max(1, Math.round(opts.interimPeriodS / config.monitoring.probe_interval_s)),
        startAt: interimStart,
      };
      interimStart += Math.ceil(durationS * (ratePerS > 0 ? ratePerS : 500));
      return spec;
    };
    const realRate = opts.nodes / opts.interimPeriodS;
    if (opts.interim) {
      // Warm-up of the interim path: JIT, the group cache, the public-key cache.
      await interims(interimSpec(opts.warmupS, realRate * 4), opts.inline);
    }

    const alone = new Map<string, number>();
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
      const order = opts.interim ? [false, true] : [false];
      for (const withInterims of Array.from({ length: opts.repeat }, () => order).flat()) {
        if (!running) break;
        const before = await serverCounts(running, key);
        const cpu = process.cpuUsage();
        const elu = performance.eventLoopUtilization();
        const [r, ir] = await Promise.all([
          load(spec(opts.durationS), opts.inline),
          withInterims
            ? interims(interimSpec(opts.durationS, realRate * opts.interimFactor), opts.inline)
            : undefined,
        ]);
        const cpuUsed = process.cpuUsage(cpu);
        const loopBusy = performance.eventLoopUtilization(elu).utilization;
        const after = await serverCounts(running, key);
        const perRequest = kind === 'heartbeat' ? 1 : opts.batch;
        const rate = (r.ok * perRequest) / r.durationS;
        const label = withInterims ? ' + interims' : opts.interim ? ' alone' : '';
        const server =
          `coordinator process CPU ${Math.round((100 * (cpuUsed.user + cpuUsed.system)) / 1e6 / r.durationS)} % of one core, ` +
          `event loop busy ${Math.round(100 * loopBusy)} %`;
        const without = alone.get(kind);
        const change =
          withInterims && without !== undefined && without > 0
            ? ` (${rate >= without ? '+' : ''}${Math.round((100 * (rate - without)) / without)} % against alone)`
            : '';
        if (!withInterims) alone.set(kind, rate);
        if (kind === 'heartbeat') {
          // The target is the issue's, for SQLite.
          const verdict =
            backend !== 'sqlite' ? 'is for SQLite' : rate >= TARGET_HEARTBEATS_PER_S ? 'met' : 'MISSED';
          console.log(
            `heartbeats${label}: ${fmtInt(rate)} accepted/s${change}  [target ≥ ${fmtInt(TARGET_HEARTBEATS_PER_S)}/s ${verdict}]`,
          );
          console.log(
            `  server counted ${fmtInt(after.heartbeats - before.heartbeats)} accepted, autocannon saw ${fmtInt(r.ok)} 2xx`,
          );
        } else {
          console.log(
            `outcomes${label}: ${fmtInt(rate)} accepted/s${change} (${fmtInt(r.ok / r.durationS)} batches/s of ${opts.batch})`,
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
        if (ir !== undefined) {
          const how =
            opts.interimFactor === 1
              ? `at the real rate ${realRate.toFixed(1)}/s`
              : `at ${opts.interimFactor}× the real rate, ${(realRate * opts.interimFactor).toFixed(1)}/s`;
          console.log(`  ${interimLine(ir, how)}`);
          console.log(`  interim ${serverLatency(before, after, '/epochs/:epoch/interim')}`);
        }
        console.log(`  ${server}`);
      }
    }
    if (opts.interim && running) {
      // The interim path's capacity: how far the real rate is from what one coordinator takes.
      const before = await serverCounts(running, key);
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      const ir = await interims(interimSpec(opts.durationS, 0), opts.inline);
      const cpuUsed = process.cpuUsage(cpu);
      const loopBusy = performance.eventLoopUtilization(elu).utilization;
      const after = await serverCounts(running, key);
      const cpuShare = (cpuUsed.user + cpuUsed.system) / 1e6 / ir.durationS;
      console.log(
        `interims alone, ${opts.interimConnections} senders as fast as answered: ${(ir.accepted / ir.durationS).toFixed(1)} accepted/s ` +
          `(${Math.round(ir.accepted / ir.durationS / realRate)}× the real rate)`,
      );
      console.log(`  ${interimLine(ir, 'closed loop')}`);
      console.log(`  ${serverLatency(before, after, '/epochs/:epoch/interim')}`);
      console.log(
        `  coordinator process CPU ${Math.round(100 * cpuShare)} % of one core, event loop busy ${Math.round(100 * loopBusy)} %: ` +
          `${((1000 * cpuShare) / (ir.accepted / ir.durationS)).toFixed(1)} ms of CPU per summary, ` +
          `${((100 * cpuShare * realRate) / (ir.accepted / ir.durationS)).toFixed(1)} % of a core at the real rate`,
      );
    }
  } finally {
    await running?.close();
    await db.cleanup();
    rmSync(keyDir, { recursive: true, force: true });
  }
}

function interimLine(r: InterimResult, how: string): string {
  const refusals = Object.values(r.refused).reduce((a, b) => a + b, 0);
  return (
    `interims ${how}: ${(r.accepted / r.durationS).toFixed(1)} accepted/s (${fmtInt(r.accepted)} of ${fmtInt(r.sent)} sent, ` +
    `${fmtInt(r.probes)} probe verdicts), latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms; ` +
    `refused ${refusals} ${JSON.stringify(r.refused)}, errors ${r.errors}` +
    (r.firstRefusal === undefined ? '' : `; first refusal: ${r.firstRefusal}`)
  );
}

/** Waits for the epoch schedule to record epoch 0 with its members, and writes each node's targets. */
async function writeAssignments(running: RunningCoordinator, path: string, nodes: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const row = await getEpoch(running.store.db, 0);
    if (row !== undefined && isReady(row)) {
      const { members, assignment } = await drawGroups(running.store.db, row);
      if (members.length !== nodes) throw new Error(`epoch 0 has ${members.length} members, not ${nodes}`);
      const rows = Array.from({ length: nodes }, (_, i) => [
        i,
        assignment.targetsOf.get(benchNodeId(i)) ?? [],
      ]);
      writeFileSync(path, JSON.stringify(rows));
      return;
    }
    if (Date.now() > deadline) throw new Error('epoch 0 was not recorded with its members within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Registers the fleet through the API, twenty requests at a time. */
async function registerNodes(url: string, key: string, count: number, withKeys: boolean): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${url}/nodes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          node_id: benchNodeId(i),
          max_parallel: 4,
          topics: ['inference'],
          ...(withKeys ? { public_key: benchNodePublicKey(i) } : {}),
        }),
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
  return child<LoadResult>('load-generator.ts', spec);
}

/** Runs a generator in bench/lib as its own process; its last stdout line is the JSON result. */
function child<T>(file: string, spec: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'lib', file), JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as T);
      else reject(new Error(`${file} exited with ${code}: ${out}`));
    });
  });
}

function interims(spec: InterimSpec, inline: boolean): Promise<InterimResult> {
  if (inline) return runInterims(spec);
  return child<InterimResult>('interim-generator.ts', spec);
}
