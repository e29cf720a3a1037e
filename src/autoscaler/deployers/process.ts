import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
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
  procStart,
  type ReplicaRecord,
  readRecords,
  removeRecord,
  writeRecord,
} from './process-records.ts';

const BIN = fileURLToPath(new URL('../../../bin/vigil.js', import.meta.url));

/** Target names become directory names, replica ids and node ids: kept to a safe alphabet. */
const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A record claimed but never given a process is a deployer that died mid-start; after this, it is stale. */
const SPAWN_GRACE_MS = 30_000;
/** Between liveness checks while a replica drains. */
const DRAIN_POLL_MS = 100;
/** How long a SIGKILLed process may take to be gone before the record is dropped anyway. */
const KILL_WAIT_MS = 5_000;

export interface ProcessDeployerConfig {
  /** The scaled target's name: its directory under `stateDir` and the stem of replica ids. */
  target: string;
  /** Where replicas' records, node keys, outboxes and logs live; survives autoscaler restarts. */
  stateDir: string;
  /**
   * The worker configuration every replica shares (coordinator_url, topics with their adapter,
   * verify, timeouts), as `vigil worker` reads it from VIGIL_WORKER_CONFIG_JSON. The deployer
   * sets node_id, key_path and data_dir per replica.
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

/**
 * Replicas as local `vigil worker` processes: the embedded default. Each is started detached
 * in its own process group, so it outlives the autoscaler, and recorded in a file under
 * `stateDir`; every read goes back to those files and to /proc, never to a list in memory.
 */
export function createProcessDeployer(config: ProcessDeployerConfig): Deployer {
  const {
    target,
    worker,
    apiKey = null,
    nodeIdPrefix = `${target}-`,
    command = [process.execPath, BIN, 'worker'],
    env = {},
    log = silentLogger,
    now = Date.now,
  } = config;
  if (!TARGET_NAME.test(target)) {
    throw new DeployerError('process', `target name ${JSON.stringify(target)} must match ${TARGET_NAME}`);
  }
  const [program, ...args] = command;
  if (program === undefined) throw new DeployerError('process', 'command is empty');
  const targetDir = join(resolve(config.stateDir), target);
  const idOf = (n: number) => `${target}-${n}`;
  // Ticks never overlap, but two calls on one object must not both pick the same victims.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step, step);
    queue = next.catch(() => {});
    return next;
  };

  /** The records whose process runs, with those long dead or stale forgotten. */
  async function live(): Promise<ReplicaRecord[]> {
    const alive: ReplicaRecord[] = [];
    for (const record of await readRecords(targetDir)) {
      if (record.pid === null && now() - record.created_at < SPAWN_GRACE_MS) alive.push(record);
      else if (await isAlive(record)) alive.push(record);
    }
    return alive;
  }

  async function forgetDead(): Promise<void> {
    for (const record of await readRecords(targetDir)) {
      if (record.pid === null && now() - record.created_at < SPAWN_GRACE_MS) continue;
      if (await isAlive(record)) continue;
      if (record.draining_since === null) {
        log.warn(
          { target, replica: record.id, pid: record.pid },
          'replica exited on its own; its place is filled again',
        );
      }
      await removeRecord(targetDir, record.id);
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

  /** SIGTERM, wait for the drain up to the deadline, then SIGKILL; the record goes when the process has. */
  async function drain(record: ReplicaRecord, drainTimeoutMs: number): Promise<void> {
    const draining: ReplicaRecord =
      record.draining_since === null
        ? { ...record, draining_since: now(), drain_deadline: now() + drainTimeoutMs }
        : record;
    // Written before the signal: a deployer that restarts mid-drain still knows the deadline.
    await writeRecord(targetDir, draining);
    if (await isAlive(draining)) signal(draining, 'SIGTERM');
    const deadline = draining.drain_deadline ?? now() + drainTimeoutMs;
    while ((await isAlive(draining)) && now() < deadline) {
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
    if (await isAlive(draining)) {
      log.warn(
        { target, replica: draining.id, pid: draining.pid, drain_timeout_ms: drainTimeoutMs },
        'replica did not drain in time: killed; the leases it held expire and their jobs run again',
      );
      // Re-checked just before: only the process the record names, never a pid since reused.
      signal(draining, 'SIGKILL');
      const killDeadline = now() + KILL_WAIT_MS;
      while ((await isAlive(draining)) && now() < killDeadline) {
        await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
      }
    }
    await removeRecord(targetDir, draining.id);
  }

  /** Claims the lowest free number and spawns a worker host for it. */
  async function start(taken: Set<string>): Promise<string> {
    for (let n = 1; ; n++) {
      const id = idOf(n);
      if (taken.has(id)) continue;
      const claimed: ReplicaRecord = {
        id,
        pid: null,
        proc_start: null,
        created_at: now(),
        started_at: null,
        draining_since: null,
        drain_deadline: null,
      };
      if (!(await claimRecord(targetDir, claimed))) {
        taken.add(id);
        continue;
      }
      taken.add(id);
      await spawnReplica(claimed);
      return id;
    }
  }

  async function spawnReplica(claimed: ReplicaRecord): Promise<void> {
    const dir = join(targetDir, claimed.id);
    const replicaConfig = {
      ...worker,
      node_id: `${nodeIdPrefix}${claimed.id.slice(target.length + 1)}`,
      key_path: join(dir, 'node.key'),
      data_dir: join(dir, 'worker'),
    };
    const childEnv: NodeJS.ProcessEnv = {};
    // The autoscaler's own VIGIL_* settings (its store, its keys) are not the worker's business;
    // the log level and format are, so replicas log like their parent.
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('VIGIL_') || key === 'VIGIL_LOG_LEVEL' || key === 'VIGIL_LOG_FORMAT')
        childEnv[key] = value;
    }
    Object.assign(childEnv, env, { VIGIL_WORKER_CONFIG_JSON: JSON.stringify(replicaConfig) });
    if (apiKey !== null) childEnv.VIGIL_WORKER_API_KEY = apiKey;
    const out = openSync(join(dir, 'worker.log'), 'a', 0o600);
    let pid: number | undefined;
    try {
      const child = spawn(program as string, args, {
        cwd: dir,
        env: childEnv,
        // Its own process group, no pipes to us: the replica outlives the autoscaler.
        detached: true,
        stdio: ['ignore', out, out],
      });
      child.on('error', (error) =>
        log.error({ target, replica: claimed.id, err: error }, 'replica failed to start'),
      );
      child.unref();
      pid = child.pid;
    } finally {
      closeSync(out);
    }
    if (pid === undefined) {
      await removeRecord(targetDir, claimed.id);
      throw new DeployerError('process', `could not start ${program} for ${claimed.id}`);
    }
    const started = await procStart(pid);
    await writeRecord(targetDir, {
      ...claimed,
      pid,
      proc_start: started === 'no-proc' ? null : started,
      started_at: now(),
    });
    log.info({ target, replica: claimed.id, pid }, 'replica started');
  }

  async function scale(count: number, remove: readonly string[], { drainTimeoutMs }: ScaleDownOptions) {
    if (!Number.isInteger(count) || count < 0)
      throw new DeployerError('process', `bad replica count ${count}`);
    await forgetDead();
    const records = await live();
    // A replica past its drain deadline left behind by an earlier deployer is finished off now.
    const leftDraining = records.filter((r) => r.draining_since !== null);
    for (const r of leftDraining) if ((r.drain_deadline ?? 0) <= now()) await drain(r, drainTimeoutMs);
    const serving = records.filter((r) => r.draining_since === null);
    const result: ScaleResult = { started: [], stopping: [], detail: '' };
    if (count > serving.length) {
      const taken = new Set(records.map((r) => r.id));
      for (let i = serving.length; i < count; i++) result.started.push(await start(taken));
      result.detail = `started ${result.started.join(', ')} (${serving.length} → ${count})`;
    } else if (count < serving.length) {
      const byId = new Map(serving.map((r) => [r.id, r]));
      const victims: ReplicaRecord[] = [];
      for (const id of remove) {
        const r = byId.get(id);
        if (r !== undefined && victims.length < serving.length - count && !victims.includes(r))
          victims.push(r);
      }
      // Too few named: the newest go first, keeping the replicas that have warmed up.
      const rest = serving
        .filter((r) => !victims.includes(r))
        .sort((a, b) => (b.started_at ?? b.created_at) - (a.started_at ?? a.created_at));
      while (victims.length < serving.length - count) victims.push(rest.shift() as ReplicaRecord);
      result.stopping = victims.map((r) => r.id);
      await Promise.all(victims.map((r) => drain(r, drainTimeoutMs)));
      result.detail = `drained and stopped ${result.stopping.join(', ')} (${serving.length} → ${count})`;
    } else {
      result.detail = `${count} running, nothing to do`;
    }
    return result;
  }

  const failed = (what: string) => (error: unknown) => {
    if (error instanceof DeployerError) throw error;
    throw new DeployerError('process', `${what}: ${(error as Error).message}`, { cause: error });
  };

  return {
    kind: 'process',
    async replicas(): Promise<Replica[]> {
      const records = await live().catch(failed(`reading ${targetDir}`));
      return records.map((r) => ({
        id: r.id,
        state: r.draining_since !== null ? 'draining' : r.pid === null ? 'starting' : 'running',
        started_at: r.started_at,
      }));
    },
    scaleTo(count, remove, options) {
      return serial(() => scale(count, remove, options).catch(failed(`scaling ${target} to ${count}`)));
    },
    async close() {
      // Nothing held but a scale in progress, which finishes: its replicas must not be half-drained.
      await queue;
    },
  };
}
