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
import { chooseVictims, oneAtATime } from './scale-plan.ts';

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

/** The deployer's settings, resolved once and passed to each step. */
interface DockerProps {
  readonly target: string;
  readonly engine: EngineClient;
  readonly image: string;
  readonly pull: boolean;
  /** The container spec of replica number n. */
  readonly spec: (n: number) => Record<string, unknown>;
  /** The node replica number n acts as; null when the image configures its worker itself. */
  readonly nodeId: (n: string) => string | null;
  readonly log: Logger;
  readonly now: () => number;
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

const nameOf = (c: ContainerSummary) => (c.Names[0] ?? c.Id).replace(/^\//, '');
const containerName = (target: string, n: number) => `vigil-${target}-${n}`;

/** The container of replica `n`: labelled, with its volume, its worker configuration and key. */
function containerSpec(config: DockerDeployerConfig, n: number): Record<string, unknown> {
  const { target, image, command = null, worker, apiKey = null, env = {}, binds = [], labels = {} } = config;
  const { nodeIdPrefix = `${target}-`, dataPath = '/var/lib/vigil', networkMode = null } = config;
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
          // Kept when the container goes: the next replica of number n is the same node.
          Source: containerName(target, n),
          Target: dataPath,
          VolumeOptions: { Labels: { [TARGET_LABEL]: target } },
        },
      ],
    },
  };
}

/**
 * Replicas as Docker containers, through the Engine API. Each container carries the target's
 * label, so a listing by label is the whole truth (nothing is kept in memory), and a named
 * volume per replica number that keeps its node key and outbox across replacements. Scale-down
 * asks the engine to stop the named containers with the drain timeout (SIGTERM, then SIGKILL),
 * then removes them.
 */
export function createDockerDeployer(config: DockerDeployerConfig): Deployer {
  const { target, socketPath = defaultSocket(), requestTimeoutMs = 30_000 } = config;
  if (!TARGET_NAME.test(target)) {
    throw new DeployerError('docker', `target name ${JSON.stringify(target)} must match ${TARGET_NAME}`);
  }
  const props: DockerProps = Object.freeze({
    target,
    engine: createEngineClient(socketPath, { requestTimeoutMs }),
    image: config.image,
    pull: config.pull ?? true,
    spec: (n: number) => containerSpec(config, n),
    nodeId: (n: string) => (config.worker === null ? null : `${config.nodeIdPrefix ?? `${target}-`}${n}`),
    log: config.log ?? silentLogger,
    now: config.now ?? Date.now,
  });
  const scales = oneAtATime();
  let closed = false;
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
      const all = await containers(props).catch(failed(`listing ${target}`));
      return all
        .map((c) => ({
          id: nameOf(c),
          state: stateOf(c),
          started_at: c.Created * 1000,
          node_id: c.Labels[NUMBER_LABEL] === undefined ? null : props.nodeId(c.Labels[NUMBER_LABEL]),
        }))
        .filter((r) => r.state !== 'stopped')
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    scaleTo(count, remove, options) {
      open();
      return scales.run(() =>
        scale(props, count, remove, options).catch(failed(`scaling ${target} to ${count}`)),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      // A scale in progress finishes first: its containers must not be left half-stopped.
      await scales.idle();
      await props.engine.close();
    },
  };
}

/** Every container of this target, stopped ones too (their names and numbers are taken). */
async function containers(p: DockerProps): Promise<ContainerSummary[]> {
  const all = await p.engine.listContainers([`${TARGET_LABEL}=${p.target}`]);
  // The filter is the engine's; checked again so that only this exact value ever matches.
  return all.filter((c) => c.Labels[TARGET_LABEL] === p.target);
}

async function scale(
  p: DockerProps,
  count: number,
  remove: readonly string[],
  { drainTimeoutMs }: ScaleDownOptions,
): Promise<ScaleResult> {
  if (!Number.isInteger(count) || count < 0) throw new DeployerError('docker', `bad replica count ${count}`);
  const all = await containers(p);
  await tidy(p, all);
  const serving = all.filter((c) => stateOf(c) !== 'stopped');
  if (count > serving.length) {
    const taken = new Set(serving.map(nameOf));
    const started: string[] = [];
    for (let i = serving.length; i < count; i++) started.push(await startReplica(p, taken));
    return { started, stopping: [], detail: `started ${started.join(', ')} (${serving.length} → ${count})` };
  }
  if (count < serving.length) {
    const candidates = serving.map((c) => ({ id: nameOf(c), started_at: c.Created * 1000, container: c }));
    const victims = chooseVictims(candidates, count, remove);
    await Promise.all(victims.map((v) => drainReplica(p, v.container, drainTimeoutMs)));
    const stopping = victims.map((v) => v.id);
    return {
      started: [],
      stopping,
      detail: `stopped and removed ${stopping.join(', ')} (${serving.length} → ${count})`,
    };
  }
  return { started: [], stopping: [], detail: `${count} running, nothing to do` };
}

/** Removes containers that exited, and starts those left created by a deployer that died. */
async function tidy(p: DockerProps, all: readonly ContainerSummary[]): Promise<void> {
  for (const c of all) {
    if (stateOf(c) === 'stopped' && c.State !== 'removing') {
      p.log.warn(
        { target: p.target, replica: nameOf(c), state: c.State },
        'replica exited on its own; its place is filled again',
      );
      await p.engine.removeContainer(c.Id);
    } else if (c.State === 'created' && p.now() - c.Created * 1000 > CREATE_GRACE_MS) {
      await p.engine.startContainer(c.Id);
    }
  }
}

/** Creates the container of number `n`; null when the name is taken by a container not ours. */
async function create(p: DockerProps, n: number): Promise<string | null> {
  try {
    return await p.engine.createContainer(containerName(p.target, n), p.spec(n));
  } catch (error) {
    // 409: the name is someone else's (another deployer's race, or a container not ours).
    if (error instanceof EngineError && error.status === 409) return null;
    if (p.pull && error instanceof EngineError && error.status === 404 && /image/i.test(error.message)) {
      p.log.info({ target: p.target, image: p.image }, 'pulling the image');
      await p.engine.pullImage(p.image).catch((pullError: Error) => {
        throw new EngineError(0, `pulling ${p.image}: ${pullError.message}`);
      });
      return create(p, n);
    }
    throw error;
  }
}

/** Creates and starts the replica with the lowest free number; returns its name. */
async function startReplica(p: DockerProps, taken: Set<string>): Promise<string> {
  for (let n = 1; ; n++) {
    const name = containerName(p.target, n);
    if (taken.has(name)) continue;
    taken.add(name);
    const id = await create(p, n);
    if (id === null) continue;
    try {
      await p.engine.startContainer(id);
    } catch (error) {
      // A container that cannot start (no such command, a bad bind) would count as starting forever.
      await p.engine.removeContainer(id).catch(() => {});
      throw error;
    }
    p.log.info({ target: p.target, replica: name, container: id.slice(0, 12) }, 'replica started');
    return name;
  }
}

/** Stop with the drain timeout (the engine sends SIGTERM, then SIGKILL), then remove. */
async function drainReplica(p: DockerProps, c: ContainerSummary, drainTimeoutMs: number): Promise<void> {
  const timeoutS = Math.max(1, Math.ceil(drainTimeoutMs / 1000));
  await p.engine.stopContainer(c.Id, timeoutS);
  const after = await p.engine.inspectContainer(c.Id).catch(() => null);
  // 137 is SIGKILL: the engine's, after the timeout (an out-of-memory kill says so apart).
  if (after !== null && after.State.ExitCode === 137 && !after.State.OOMKilled) {
    p.log.warn(
      { target: p.target, replica: nameOf(c), drain_timeout_ms: drainTimeoutMs },
      'replica did not drain in time: killed; the leases it held expire and their jobs run again',
    );
  }
  await p.engine.removeContainer(c.Id);
}
