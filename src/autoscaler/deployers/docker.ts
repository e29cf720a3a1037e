import { type Logger, silentLogger } from '../../platform/log.ts';
import {
  type Deployer,
  DeployerError,
  type Replica,
  type ScaleDownOptions,
  type ScaleResult,
} from './deployer.ts';
import {
  type ContainerSummary,
  createEngineClient,
  type EngineClient,
  EngineError,
} from './docker-engine.ts';

/** The label that marks a container as a replica of a target: how the deployer finds its own. */
export const TARGET_LABEL = 'vigil.autoscaler.target';
/** The replica's number within its target (names its node id and volume). */
export const NUMBER_LABEL = 'vigil.autoscaler.replica';

/** Target names become container, volume and node names: kept to what all three accept. */
const TARGET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A container created but never started (a deployer that died between the two calls) is started after this. */
const CREATE_GRACE_MS = 30_000;

export interface DockerDeployerConfig {
  /** The scaled target's name: the label value and the stem of container names. */
  target: string;
  /** The engine's unix socket (default: DOCKER_HOST's unix:// path, else /var/run/docker.sock). */
  socketPath?: string;
  /** The image every replica runs: one with `vigil` in it, `vigil worker` its command or `command`. */
  image: string;
  /** Overrides the image's command (e.g. `["vigil", "worker"]`); null keeps the image's. */
  command?: readonly string[] | null;
  /**
   * The worker configuration every replica shares, passed as VIGIL_WORKER_CONFIG_JSON with
   * node_id, key_path and data_dir set per replica; null passes none (an image configured otherwise).
   */
  worker: Record<string, unknown> | null;
  /** Passed to each replica as VIGIL_WORKER_API_KEY, so it registers its node itself. */
  apiKey?: string | null;
  /** Each replica's node id is this followed by its number (default: `<target>-`). */
  nodeIdPrefix?: string;
  /** Where each replica's volume (node key, outbox) is mounted in the container. */
  dataPath?: string;
  /** HostConfig.NetworkMode: `host` for a coordinator on the host's loopback; null is the engine's default. */
  networkMode?: string | null;
  /** Added to each replica's environment. */
  env?: Record<string, string>;
  /** HostConfig.Binds (`/host/path:/container/path:ro`): adapters or certificates from the host. */
  binds?: readonly string[];
  /** Added to each container's labels (owner, environment); the target label always wins. */
  labels?: Record<string, string>;
  /** Pull the image when the engine does not have it (default true). */
  pull?: boolean;
  /** Limit of every engine call but stop and pull, which wait as long as they need (default 30 s). */
  requestTimeoutMs?: number;
  log?: Logger;
  now?: () => number;
}

function defaultSocket(): string {
  const host = process.env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/** Engine states that still count as a replica; exited, dead and removing ones do not. */
function stateOf(summary: ContainerSummary): Replica['state'] {
  switch (summary.State) {
    case 'running':
    case 'paused':
      return 'running';
    case 'created':
    case 'restarting':
      return 'starting';
    default:
      return 'stopped';
  }
}

/**
 * Replicas as Docker containers, through the Engine API. Each container carries the target's
 * label, so a listing by label is the whole truth (nothing is kept in memory), and a named
 * volume per replica number that keeps its node key and outbox across replacements. Scale-down
 * asks the engine to stop the named containers with the drain timeout (SIGTERM, then SIGKILL),
 * then removes them.
 */
export function createDockerDeployer(config: DockerDeployerConfig): Deployer {
  const {
    target,
    socketPath = defaultSocket(),
    image,
    command = null,
    worker,
    apiKey = null,
    nodeIdPrefix = `${target}-`,
    dataPath = '/var/lib/vigil',
    networkMode = null,
    env = {},
    binds = [],
    labels = {},
    pull = true,
    requestTimeoutMs = 30_000,
    log = silentLogger,
    now = Date.now,
  } = config;
  if (!TARGET_NAME.test(target)) {
    throw new DeployerError('docker', `target name ${JSON.stringify(target)} must match ${TARGET_NAME}`);
  }
  const engine: EngineClient = createEngineClient(socketPath, { requestTimeoutMs });
  const label = `${TARGET_LABEL}=${target}`;
  const nameOf = (n: number) => `vigil-${target}-${n}`;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(step: () => Promise<T>): Promise<T> => {
    const next = queue.then(step, step);
    queue = next.catch(() => {});
    return next;
  };

  /** Every container of this target, stopped ones too (their names and numbers are taken). */
  async function containers(): Promise<ContainerSummary[]> {
    const all = await engine.listContainers([label]);
    // The filter is the engine's; checked again so a label with a longer value never matches.
    return all.filter((c) => c.Labels[TARGET_LABEL] === target);
  }

  const nameIn = (c: ContainerSummary) => (c.Names[0] ?? c.Id).replace(/^\//, '');

  function specFor(n: number): Record<string, unknown> {
    const containerEnv = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    if (worker !== null) {
      const replicaConfig = {
        ...worker,
        node_id: `${nodeIdPrefix}${n}`,
        key_path: `${dataPath}/node.key`,
        data_dir: `${dataPath}/worker`,
      };
      containerEnv.push(`VIGIL_WORKER_CONFIG_JSON=${JSON.stringify(replicaConfig)}`);
    }
    if (apiKey !== null) containerEnv.push(`VIGIL_WORKER_API_KEY=${apiKey}`);
    return {
      Image: image,
      ...(command === null ? {} : { Cmd: [...command] }),
      Env: containerEnv,
      Labels: { ...labels, [TARGET_LABEL]: target, [NUMBER_LABEL]: String(n) },
      HostConfig: {
        ...(networkMode === null ? {} : { NetworkMode: networkMode }),
        ...(binds.length === 0 ? {} : { Binds: [...binds] }),
        // A worker that crashes is restarted by the engine; one the deployer stops stays stopped.
        RestartPolicy: { Name: 'unless-stopped' },
        Mounts: [
          {
            Type: 'volume',
            Source: `vigil-${target}-${n}`,
            Target: dataPath,
            VolumeOptions: { Labels: { [TARGET_LABEL]: target } },
          },
        ],
      },
    };
  }

  async function create(n: number): Promise<string | null> {
    try {
      return await engine.createContainer(nameOf(n), specFor(n));
    } catch (error) {
      // 409: the name is someone else's (another deployer's race, or a container not ours).
      if (error instanceof EngineError && error.status === 409) return null;
      if (pull && error instanceof EngineError && error.status === 404 && /image/i.test(error.message)) {
        log.info({ target, image }, 'pulling the image');
        await engine.pullImage(image).catch((pullError: Error) => {
          throw new EngineError(0, `pulling ${image}: ${pullError.message}`);
        });
        return create(n);
      }
      throw error;
    }
  }

  /** Creates and starts the replica with the lowest free number; returns its name. */
  async function start(taken: Set<string>): Promise<string> {
    for (let n = 1; ; n++) {
      const name = nameOf(n);
      if (taken.has(name)) continue;
      taken.add(name);
      const id = await create(n);
      if (id === null) continue;
      await engine.startContainer(id);
      log.info({ target, replica: name, container: id.slice(0, 12) }, 'replica started');
      return name;
    }
  }

  /** Stop with the drain timeout (the engine sends SIGTERM, then SIGKILL), then remove. */
  async function drain(c: ContainerSummary, drainTimeoutMs: number): Promise<void> {
    const timeoutS = Math.max(1, Math.ceil(drainTimeoutMs / 1000));
    await engine.stopContainer(c.Id, timeoutS);
    const after = await engine.inspectContainer(c.Id).catch(() => null);
    // 137 is SIGKILL: the engine's, after the timeout (an out-of-memory kill says so apart).
    if (after !== null && after.State.ExitCode === 137 && !after.State.OOMKilled) {
      log.warn(
        { target, replica: nameIn(c), drain_timeout_ms: drainTimeoutMs },
        'replica did not drain in time: killed; the leases it held expire and their jobs run again',
      );
    }
    await engine.removeContainer(c.Id);
  }

  /** Removes containers that exited, and starts those left created by a deployer that died. */
  async function tidy(all: ContainerSummary[]): Promise<void> {
    for (const c of all) {
      if (stateOf(c) === 'stopped' && c.State !== 'removing') {
        log.warn(
          { target, replica: nameIn(c), state: c.State },
          'replica exited on its own; its place is filled again',
        );
        await engine.removeContainer(c.Id);
      } else if (c.State === 'created' && now() - c.Created * 1000 > CREATE_GRACE_MS) {
        await engine.startContainer(c.Id);
      }
    }
  }

  async function scale(count: number, remove: readonly string[], { drainTimeoutMs }: ScaleDownOptions) {
    if (!Number.isInteger(count) || count < 0)
      throw new DeployerError('docker', `bad replica count ${count}`);
    const all = await containers();
    await tidy(all);
    const serving = all.filter((c) => stateOf(c) !== 'stopped');
    const result: ScaleResult = { started: [], stopping: [], detail: '' };
    if (count > serving.length) {
      const taken = new Set(serving.map(nameIn));
      for (let i = serving.length; i < count; i++) result.started.push(await start(taken));
      result.detail = `started ${result.started.join(', ')} (${serving.length} → ${count})`;
    } else if (count < serving.length) {
      const byName = new Map(serving.map((c) => [nameIn(c), c]));
      const victims: ContainerSummary[] = [];
      for (const id of remove) {
        const c = byName.get(id);
        if (c !== undefined && victims.length < serving.length - count && !victims.includes(c))
          victims.push(c);
      }
      // Too few named: the newest go first, keeping the replicas that have warmed up.
      const rest = serving.filter((c) => !victims.includes(c)).sort((a, b) => b.Created - a.Created);
      while (victims.length < serving.length - count) victims.push(rest.shift() as ContainerSummary);
      result.stopping = victims.map(nameIn);
      await Promise.all(victims.map((c) => drain(c, drainTimeoutMs)));
      result.detail = `stopped and removed ${result.stopping.join(', ')} (${serving.length} → ${count})`;
    } else {
      result.detail = `${count} running, nothing to do`;
    }
    return result;
  }

  const failed = (what: string) => (error: unknown) => {
    if (error instanceof DeployerError) throw error;
    const cause = error as Error & { code?: string };
    const reason =
      cause.code === 'ENOENT' || cause.code === 'ECONNREFUSED' || cause.code === 'EACCES'
        ? `engine unreachable at ${socketPath} (${cause.code})`
        : cause.message;
    throw new DeployerError('docker', `${what}: ${reason}`, { cause: error });
  };
  const open = () => {
    if (closed) throw new DeployerError('docker', 'closed');
  };

  return {
    kind: 'docker',
    async replicas(): Promise<Replica[]> {
      open();
      const all = await containers().catch(failed(`listing ${target}`));
      return all
        .map((c) => ({ id: nameIn(c), state: stateOf(c), started_at: c.Created * 1000 }))
        .filter((r) => r.state !== 'stopped')
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    scaleTo(count, remove, options) {
      open();
      return serial(() => scale(count, remove, options).catch(failed(`scaling ${target} to ${count}`)));
    },
    async close() {
      if (closed) return;
      closed = true;
      // A scale in progress finishes first: its containers must not be left half-stopped.
      await queue;
      await engine.close();
    },
  };
}
