import { spawn } from 'node:child_process';
import { closeSync, openSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, silentLogger } from '../../platform/log.ts';
import {
  type Deployer,
  DeployerError,
  type Replica,
  type ScaleDownOptions,
  type ScaleResult,
} from './deployer.ts';
import {
  claimRecord,
  isAlive,
  processIn,
  procStart,
  type ReplicaRecord,
  readRecords,
  removeRecord,
  writeRecord,
} from './process-records.ts';
import { chooseVictims, oneAtATime } from './scale-plan.ts';

const BIN = fileURLToPath(new URL('../../../bin/vigil.js', import.meta.url));

/** Target names become directory names, replica ids and node ids: kept to a safe alphabet. */
const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/**
 * A record claimed but never given a process is a deployer that died mid-start; after this, it
 * is stale. Claiming, spawning and recording the pid take milliseconds (the spawn is
 * synchronous), and a replica that was spawned is adopted rather than left to this, so the
 * grace only needs to cover a busy event loop: a restarted autoscaler fills the place within it.
 */
const SPAWN_GRACE_MS = 5_000;
/** Between liveness checks while a replica drains. */
const DRAIN_POLL_MS = 100;
/** How long a SIGKILLed process may take to be gone before the record is dropped anyway. */
const KILL_WAIT_MS = 5_000;
/** A replica's log above this is moved to `worker.log.1` when the next replica of its number starts. */
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

export interface ProcessDeployerConfig {
  /** The scaled target's name: its directory under `stateDir` and the stem of replica ids. */
  target: string;
  /** Where replicas' records, node keys, outboxes and logs live; survives autoscaler restarts. */
  stateDir: string;
  /**
   * The worker configuration every replica shares (coordinator_url, topics with their adapter,
   * verify, timeouts), as `vigil worker` reads it from VIGIL_WORKER_CONFIG_JSON. The deployer
   * sets node_id, key_path and data_dir per replica. Relative paths in it are relative to the
   * replica's directory: give absolute ones.
   */
  worker: Record<string, unknown>;
  /** Passed to each replica as VIGIL_WORKER_API_KEY, so it registers its node itself. */
  apiKey?: string | null;
  /** Each replica's node id is this followed by its number (default: `<target>-`). */
  nodeIdPrefix?: string;
  /** The program and its arguments (default: this project's `vigil worker` under this Node). */
  command?: readonly string[];
  /** Added to each replica's environment. */
  env?: Record<string, string>;
  log?: Logger;
  now?: () => number;
}

/** The deployer's settings, resolved once and passed to each step. */
interface ProcessProps {
  readonly target: string;
  readonly targetDir: string;
  readonly worker: Record<string, unknown>;
  readonly apiKey: string | null;
  readonly nodeIdPrefix: string;
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly log: Logger;
  readonly now: () => number;
}

/**
 * Replicas as local `vigil worker` processes: the embedded default. Each is started detached
 * in its own process group, so it outlives the autoscaler, and recorded in a file under
 * `stateDir`; every read goes back to those files and to /proc, never to a list in memory.
 */
export function createProcessDeployer(config: ProcessDeployerConfig): Deployer {
  const { target, command = [process.execPath, BIN, 'worker'] } = config;
  if (!TARGET_NAME.test(target)) {
    throw new DeployerError('process', `target name ${JSON.stringify(target)} must match ${TARGET_NAME}`);
  }
  const [program, ...args] = command;
  if (program === undefined) throw new DeployerError('process', 'command is empty');
  const props: ProcessProps = Object.freeze({
    target,
    targetDir: join(resolve(config.stateDir), target),
    worker: config.worker,
    apiKey: config.apiKey ?? null,
    nodeIdPrefix: config.nodeIdPrefix ?? `${target}-`,
    program,
    args,
    env: config.env ?? {},
    log: config.log ?? silentLogger,
    now: config.now ?? Date.now,
  });
  const scales = oneAtATime();
  const failed = (what: string) => (error: unknown) => {
    if (error instanceof DeployerError) throw error;
    throw new DeployerError('process', `${what}: ${(error as Error).message}`, { cause: error });
  };

  return {
    kind: 'process',
    async replicas(): Promise<Replica[]> {
      const records = await adoptAndRead(props).catch(failed(`reading ${props.targetDir}`));
      return records.map((r) => ({
        id: r.id,
        state: r.draining_since !== null ? 'draining' : r.pid === null ? 'starting' : 'running',
        started_at: r.started_at,
        // Ids are `<target>-<n>` (startReplica); the node is `<nodeIdPrefix><n>`.
        node_id: `${props.nodeIdPrefix}${r.id.slice(target.length + 1)}`,
      }));
    },
    scaleTo(count, remove, options) {
      return scales.run(() =>
        scale(props, count, remove, options).catch(failed(`scaling ${target} to ${count}`)),
      );
    },
    async close() {
      // Nothing held but a scale in progress, which finishes: its replicas must not be half-drained.
      await scales.idle();
    },
  };
}

async function scale(
  p: ProcessProps,
  count: number,
  remove: readonly string[],
  { drainTimeoutMs }: ScaleDownOptions,
): Promise<ScaleResult> {
  if (!Number.isInteger(count) || count < 0) throw new DeployerError('process', `bad replica count ${count}`);
  await adoptOrphans(p);
  await forgetDead(p);
  const records = await liveRecords(p);
  // A replica past its drain deadline, left by an autoscaler that died mid-drain, is finished off now.
  for (const r of records) {
    if (r.draining_since !== null && (r.drain_deadline ?? 0) <= p.now())
      await drainReplica(p, r, drainTimeoutMs);
  }
  const serving = records.filter((r) => r.draining_since === null);
  if (count > serving.length) {
    const taken = new Set(records.map((r) => r.id));
    const started: string[] = [];
    for (let i = serving.length; i < count; i++) started.push(await startReplica(p, taken));
    return { started, stopping: [], detail: `started ${started.join(', ')} (${serving.length} → ${count})` };
  }
  if (count < serving.length) {
    const candidates = serving.map((r) => ({
      id: r.id,
      started_at: r.started_at ?? r.created_at,
      record: r,
    }));
    const victims = chooseVictims(candidates, count, remove).map((c) => c.record);
    await Promise.all(victims.map((r) => drainReplica(p, r, drainTimeoutMs)));
    const stopping = victims.map((r) => r.id);
    return {
      started: [],
      stopping,
      detail: `drained and stopped ${stopping.join(', ')} (${serving.length} → ${count})`,
    };
  }
  return { started: [], stopping: [], detail: `${count} running, nothing to do` };
}

/** A record claimed this instant whose process is being spawned: not stale yet. */
function spawning(p: ProcessProps, record: ReplicaRecord): boolean {
  return record.pid === null && p.now() - record.created_at < SPAWN_GRACE_MS;
}

/** The records whose process runs (or is being spawned). */
async function liveRecords(p: ProcessProps): Promise<ReplicaRecord[]> {
  const alive: ReplicaRecord[] = [];
  for (const record of await readRecords(p.targetDir)) {
    if (spawning(p, record) || (await isAlive(record))) alive.push(record);
  }
  return alive;
}

/**
 * Records the process of a replica whose deployer died between spawning it and writing its
 * pid (an autoscaler SIGKILLed mid-scale): the replica runs, so it is the replica. Without
 * this its record would go stale and the next scale-up would start a second worker in its
 * place, with the same node id and key, while the first ran on unseen.
 */
async function adoptOrphans(p: ProcessProps): Promise<void> {
  for (const record of await readRecords(p.targetDir)) {
    if (record.pid !== null || record.draining_since !== null) continue;
    const found = await processIn(join(p.targetDir, record.id));
    if (found === null) continue;
    await writeRecord(p.targetDir, { ...record, ...found, started_at: record.created_at });
    p.log.warn(
      { target: p.target, replica: record.id, pid: found.pid },
      'replica started by a deployer that stopped before recording it: adopted',
    );
  }
}

async function adoptAndRead(p: ProcessProps): Promise<ReplicaRecord[]> {
  await adoptOrphans(p);
  return liveRecords(p);
}

/** Drops the records of replicas that are gone, so their numbers are free again. */
async function forgetDead(p: ProcessProps): Promise<void> {
  for (const record of await readRecords(p.targetDir)) {
    if (spawning(p, record) || (await isAlive(record))) continue;
    if (record.draining_since === null) {
      p.log.warn(
        { target: p.target, replica: record.id, pid: record.pid },
        'replica exited on its own; its place is filled again',
      );
    }
    await removeRecord(p.targetDir, record.id);
  }
}

function signal(record: ReplicaRecord, name: 'SIGTERM' | 'SIGKILL'): void {
  if (record.pid === null) return;
  try {
    // SIGTERM goes to `vigil worker` alone, which drains its adapters itself; SIGKILL goes to
    // its whole process group, so no command adapter outlives it.
    process.kill(name === 'SIGKILL' ? -record.pid : record.pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function whileAlive(p: ProcessProps, record: ReplicaRecord, until: number): Promise<void> {
  while ((await isAlive(record)) && p.now() < until) {
    await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
  }
}

/** SIGTERM, wait for the drain up to its deadline, then SIGKILL; the record goes when the process has. */
async function drainReplica(p: ProcessProps, record: ReplicaRecord, drainTimeoutMs: number): Promise<void> {
  const draining: ReplicaRecord =
    record.draining_since === null
      ? { ...record, draining_since: p.now(), drain_deadline: p.now() + drainTimeoutMs }
      : record;
  // Written before the signal: a deployer that restarts mid-drain still knows the deadline.
  await writeRecord(p.targetDir, draining);
  // Every signal follows a liveness check: only the process the record names, never a pid since reused.
  if (await isAlive(draining)) signal(draining, 'SIGTERM');
  await whileAlive(p, draining, draining.drain_deadline ?? p.now() + drainTimeoutMs);
  if (await isAlive(draining)) {
    p.log.warn(
      { target: p.target, replica: draining.id, pid: draining.pid, drain_timeout_ms: drainTimeoutMs },
      'replica did not drain in time: killed; the leases it held expire and their jobs run again',
    );
    signal(draining, 'SIGKILL');
    await whileAlive(p, draining, p.now() + KILL_WAIT_MS);
  }
  await removeRecord(p.targetDir, draining.id);
}

/** Claims the lowest free number and spawns a worker host for it; returns the replica's id. */
async function startReplica(p: ProcessProps, taken: Set<string>): Promise<string> {
  for (let n = 1; ; n++) {
    const id = `${p.target}-${n}`;
    if (taken.has(id)) continue;
    taken.add(id);
    const claimed: ReplicaRecord = {
      id,
      pid: null,
      proc_start: null,
      created_at: p.now(),
      started_at: null,
      draining_since: null,
      drain_deadline: null,
    };
    // Another deployer took this number first: the next one.
    if (!(await claimRecord(p.targetDir, claimed))) continue;
    await spawnReplica(p, claimed, n);
    return id;
  }
}

/** The replica's environment: the autoscaler's without its own VIGIL_* settings, plus the worker's. */
function replicaEnv(p: ProcessProps, workerConfig: Record<string, unknown>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // The autoscaler's VIGIL_* settings (its store, its keys) are not the worker's business;
  // the log level and format are, so replicas log like their parent.
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VIGIL_') || key === 'VIGIL_LOG_LEVEL' || key === 'VIGIL_LOG_FORMAT')
      env[key] = value;
  }
  Object.assign(env, p.env, { VIGIL_WORKER_CONFIG_JSON: JSON.stringify(workerConfig) });
  if (p.apiKey !== null) env.VIGIL_WORKER_API_KEY = p.apiKey;
  return env;
}

async function spawnReplica(p: ProcessProps, claimed: ReplicaRecord, n: number): Promise<void> {
  const dir = join(p.targetDir, claimed.id);
  const workerConfig = {
    ...p.worker,
    node_id: `${p.nodeIdPrefix}${n}`,
    key_path: join(dir, 'node.key'),
    data_dir: join(dir, 'worker'),
  };
  const logPath = join(dir, 'worker.log');
  // Replicas of one number append to one log, so it is rotated at a start: one previous log kept.
  if ((statSync(logPath, { throwIfNoEntry: false })?.size ?? 0) > LOG_ROTATE_BYTES)
    renameSync(logPath, `${logPath}.1`);
  const out = openSync(logPath, 'a', 0o600);
  let pid: number | undefined;
  try {
    const child = spawn(p.program, p.args, {
      cwd: dir,
      env: replicaEnv(p, workerConfig),
      // Its own process group, no pipes to us: the replica outlives the autoscaler.
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.on('error', (error) =>
      p.log.error({ target: p.target, replica: claimed.id, err: error }, 'replica failed to start'),
    );
    child.unref();
    pid = child.pid;
  } catch (error) {
    await removeRecord(p.targetDir, claimed.id);
    throw error;
  } finally {
    closeSync(out);
  }
  if (pid === undefined) {
    await removeRecord(p.targetDir, claimed.id);
    throw new DeployerError('process', `could not start ${p.program} for ${claimed.id}`);
  }
  const started = await procStart(pid);
  await writeRecord(p.targetDir, {
    ...claimed,
    pid,
    proc_start: started === 'no-proc' ? null : started,
    started_at: p.now(),
  });
  p.log.info({ target: p.target, replica: claimed.id, pid }, 'replica started');
}
