import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  procStart,
  type ReplicaRecord,
  readRecords,
} from '../../../src/autoscaler/deployers/process-records.ts';
import { lines, VigilProcess } from '../../cli/support.ts';
import { eventually } from '../../helpers/eventually.ts';
import { hashWorker, type RealCoordinator, startRealCoordinator } from '../deployers/real-network.ts';

export const TARGET = 'hash-pool';

/** A scaled target of `hash` jobs run by `vigil worker` replicas of the process deployer. */
export function hashTarget(
  net: RealCoordinator,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: TARGET,
    topic: 'hash',
    concurrency: 1,
    min_replicas: 0,
    max_replicas: 3,
    deployer: {
      kind: 'process',
      state_dir: join(net.dir, 'autoscaler'),
      // The example adapter, not the coordinator's (the topic was added through the API without one).
      worker: hashWorker(net.url),
    },
    policies: [{ kind: 'backlog', deadline_s: 5, service_s: 0.3, startup_s: 2, headroom: 0.1 }],
    drain_timeout_ms: 10_000,
    ...overrides,
  };
}

/** The environment of a `vigil autoscaler` for these targets: configuration as JSON, as an operator's. */
export function autoscalerEnv(
  net: RealCoordinator,
  targets: Array<Record<string, unknown>>,
  settings: Record<string, unknown> = {},
): Record<string, string> {
  return {
    VIGIL_CONFIG_JSON: JSON.stringify({
      log_format: 'json',
      autoscaler: {
        tick_interval_ms: 500,
        queue_poll_ms: 100,
        lease_ttl_ms: 2_000,
        coordinator_url: net.url,
        worker_api_key: net.key,
        targets,
        ...settings,
      },
    }),
  };
}

export interface RunningAutoscalerProcess {
  proc: VigilProcess;
  /** Where its /metrics is served. */
  metricsUrl: string;
}

/** Starts `vigil autoscaler` on the coordinator's SQLite store; returns once it serves /metrics. */
export async function startAutoscalerProcess(
  net: RealCoordinator,
  env: Record<string, string>,
): Promise<RunningAutoscalerProcess> {
  const proc = new VigilProcess(
    ['autoscaler', '--database-url', join(net.dir, 'vigil.db'), '--metrics-port', '0'],
    { cwd: net.dir, env },
  );
  const metricsUrl = await proc.waitFor(({ stdout }) => {
    for (const line of lines(stdout)) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; metrics?: string };
      if (entry.msg === 'autoscaler metrics') return entry.metrics;
    }
    return undefined;
  }, 30_000);
  return { proc, metricsUrl };
}

/** The value of `vigil_autoscaler_leader` an autoscaler serves (null when it cannot be read). */
export async function leaderGauge(metricsUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(3_000) })).text();
    const line = text.split('\n').find((l) => l.startsWith('vigil_autoscaler_leader '));
    return line === undefined ? null : Number(line.split(' ').at(-1));
  } catch {
    return null;
  }
}

/** The target's replica records whose process is the one recorded and still runs. */
export async function liveRecords(net: RealCoordinator): Promise<ReplicaRecord[]> {
  const records = await readRecords(join(net.dir, 'autoscaler', TARGET));
  const live: ReplicaRecord[] = [];
  for (const r of records) {
    if (r.pid !== null && (await procStart(r.pid)) === r.proc_start) live.push(r);
  }
  return live;
}

/**
 * Every process whose working directory is one of the target's replica directories: the
 * `vigil worker` hosts that really run, whatever the records say (a replica started and never
 * recorded shows up here and not there).
 */
export function workerProcesses(net: RealCoordinator): Array<{ pid: number; dir: string }> {
  const targetDir = join(net.dir, 'autoscaler', TARGET);
  const found: Array<{ pid: number; dir: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      if (!cwd.startsWith(`${targetDir}/`)) continue;
      // A command adapter's child shares the cwd: only the worker hosts, the group leaders.
      const stat = readFileStat(Number(name));
      if (stat !== null && stat.pgid === Number(name) && stat.state !== 'Z')
        found.push({ pid: Number(name), dir: cwd });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

function readFileStat(pid: number): { state: string; pgid: number } | null {
  // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return rest.length < 3 ? null : { state: rest[0]!, pgid: Number(rest[2]) };
}

/** SIGKILLs every replica's process group the target has, recorded or not; for cleanup. */
export async function killReplicas(net: RealCoordinator): Promise<void> {
  const pids = new Set<number>(workerProcesses(net).map((w) => w.pid));
  for (const r of await liveRecords(net).catch(() => [])) if (r.pid !== null) pids.add(r.pid);
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  await eventually('the replicas gone', () => workerProcesses(net).length === 0, 10_000, 100).catch(() => {});
}

export { startRealCoordinator };
