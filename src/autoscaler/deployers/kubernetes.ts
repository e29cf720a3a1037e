import { accessSync, constants } from 'node:fs';
import type { AppsV1Api, CoreV1Api, KubeConfig, V1Pod, V1Scale } from '@kubernetes/client-node';
import { type Logger, silentLogger } from '../../platform/log.ts';
import {
  type Deployer,
  DeployerError,
  type Replica,
  type ScaleDownOptions,
  type ScaleResult,
} from './deployer.ts';
import { chooseVictims, oneAtATime } from './scale-plan.ts';

/** The annotation the ReplicaSet controller ranks pods by when it scales down (lower goes first). */
export const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';
/** The cost given to the first pod named in `remove`; the next ones get -999, -998, … */
export const VICTIM_COST = -1000;

export interface KubernetesDeployerConfig {
  /** The workload's namespace (default `default`). */
  namespace?: string;
  /** What is scaled: a Deployment (steerable) or a StatefulSet (removes its highest ordinals). */
  workload?: 'Deployment' | 'StatefulSet';
  /** The workload's name. */
  name: string;
  /** A kubeconfig file; without it, KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** An already loaded configuration, used instead of `kubeconfig` (embedding). */
  kubeConfig?: KubeConfig;
  log?: Logger;
}

/** The clients, made on first use. */
interface KubeApi {
  readonly apps: AppsV1Api;
  readonly core: CoreV1Api;
  /** Request options that send a merge patch (the client's default is a JSON patch). */
  readonly mergePatch: ReturnType<typeof import('@kubernetes/client-node').setHeaderOptions>;
}

/** The deployer's settings and clients, resolved once and passed to each step. */
interface KubernetesProps {
  readonly namespace: string;
  readonly workload: 'Deployment' | 'StatefulSet';
  readonly name: string;
  readonly api: () => Promise<KubeApi>;
  readonly log: Logger;
}

/**
 * Loads the client and the configuration once. The client is loaded on first use, not on
 * import: it takes about half a second, which every command importing the deployers would pay.
 */
function lazyApi(config: KubernetesDeployerConfig): () => Promise<KubeApi> {
  let api: Promise<KubeApi> | null = null;
  const load = async (): Promise<KubeApi> => {
    const k8s = await import('@kubernetes/client-node');
    let kc = config.kubeConfig;
    if (kc === undefined) {
      kc = new k8s.KubeConfig();
      try {
        if (config.kubeconfig !== undefined) kc.loadFromFile(config.kubeconfig);
        else kc.loadFromDefault();
      } catch (error) {
        throw new DeployerError('kubernetes', `loading the kubeconfig: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    return {
      apps: kc.makeApiClient(k8s.AppsV1Api),
      core: kc.makeApiClient(k8s.CoreV1Api),
      // Merge patch for every write: the smallest body that says what changes.
      mergePatch: k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    };
  };
  return () => {
    api ??= load().catch((error: unknown) => {
      // A configuration fixed on disk is read again at the next call.
      api = null;
      throw error;
    });
    return api;
  };
}

/** The status of an error the client raised for an HTTP answer (its ApiException), else null. */
function apiStatus(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'number' && 'body' in error ? code : null;
}

const toMs = (t: Date | string | undefined): number | null => {
  if (t === undefined) return null;
  const ms = new Date(t).getTime();
  return Number.isFinite(ms) ? ms : null;
};

/** A pod's place in the contract's life cycle, from its phase, readiness and deletion mark. */
export function podState(pod: V1Pod): Replica['state'] {
  if (pod.metadata?.deletionTimestamp !== undefined) return 'draining';
  switch (pod.status?.phase) {
    case 'Succeeded':
    case 'Failed':
      return 'stopped';
    case 'Running': {
      const ready = pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return ready === true ? 'running' : 'starting';
    }
    default:
      // Pending, or Unknown (its node unreachable): counted, not yet serving.
      return 'starting';
  }
}

/**
 * Replicas as the pods of a Deployment or StatefulSet, through the API server with the official
 * client. The size is the scale subresource's spec.replicas; the replicas are the pods its
 * status.selector matches, read at every call. Scale-down cannot name pods: for a Deployment the
 * pods named in `remove` get a low pod-deletion-cost first, which the ReplicaSet controller
 * removes before others of the same readiness; a StatefulSet always removes its highest
 * ordinals. Draining is the pod's own SIGTERM handling within its terminationGracePeriodSeconds.
 */
export function createKubernetesDeployer(config: KubernetesDeployerConfig): Deployer {
  const { namespace = 'default', workload = 'Deployment', name, kubeconfig } = config;
  if (kubeconfig !== undefined && config.kubeConfig === undefined) {
    // A wrong path is a configuration error, said at start rather than at the first tick.
    try {
      accessSync(kubeconfig, constants.R_OK);
    } catch (error) {
      throw new DeployerError(
        'kubernetes',
        `kubeconfig ${kubeconfig} cannot be read: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  const props: KubernetesProps = Object.freeze({
    namespace,
    workload,
    name,
    api: lazyApi(config),
    log: config.log ?? silentLogger,
  });
  const scales = oneAtATime();
  let closed = false;
  const open = () => {
    if (closed) throw new DeployerError('kubernetes', 'closed');
  };

  return {
    kind: 'kubernetes',
    async replicas() {
      open();
      return listReplicas(props).catch(failed(props, 'listing'));
    },
    scaleTo(count, remove, options) {
      open();
      return scales.run(() =>
        scale(props, count, remove, options).catch(failed(props, `scaling to ${count}`)),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      // The client holds no watch or socket of its own; a scale in progress finishes first.
      await scales.idle();
    },
  };
}

/** Turns an API error into a DeployerError that says which workload and what to check. */
function failed(p: KubernetesProps, what: string) {
  return (error: unknown): never => {
    if (error instanceof DeployerError) throw error;
    const target = `${p.workload} ${p.namespace}/${p.name}`;
    let reason: string;
    const code = apiStatus(error);
    if (code !== null) {
      const message = statusMessage((error as { body?: unknown }).body);
      const said = message === null ? '' : `: ${message}`;
      if (code === 404) reason = `${target} not found (404)${said}`;
      else if (code === 401) reason = `the API server refused the credentials (401)${said}`;
      else if (code === 403) {
        reason =
          `forbidden (403)${said}; the account needs get and patch on ` +
          `${p.workload === 'Deployment' ? 'deployments' : 'statefulsets'}/scale and list and patch on pods ` +
          `in ${p.namespace}`;
      } else reason = `API server answered ${code}${said}`;
    } else {
      reason = (error as Error).message;
    }
    throw new DeployerError('kubernetes', `${what} ${target}: ${reason}`, { cause: error });
  };
}

/** The API server's `Status.message`; the client hands over a failed response's body as text. */
function statusMessage(body: unknown): string | null {
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return body.trim() === '' ? null : body.trim().slice(0, 200);
    }
  }
  const message = (status as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' ? message : null;
}

async function readScale(p: KubernetesProps): Promise<V1Scale> {
  const { name, namespace } = p;
  const { apps } = await p.api();
  return p.workload === 'Deployment'
    ? apps.readNamespacedDeploymentScale({ name, namespace })
    : apps.readNamespacedStatefulSetScale({ name, namespace });
}

async function writeReplicas(p: KubernetesProps, replicas: number): Promise<V1Scale> {
  const { name, namespace } = p;
  const { apps, mergePatch } = await p.api();
  const body = { spec: { replicas } };
  return p.workload === 'Deployment'
    ? apps.patchNamespacedDeploymentScale({ name, namespace, body }, mergePatch)
    : apps.patchNamespacedStatefulSetScale({ name, namespace, body }, mergePatch);
}

/** The workload's scale and the pods its selector matches, both read now. */
async function read(p: KubernetesProps): Promise<{ scale: V1Scale; pods: V1Pod[] }> {
  const scale = await readScale(p);
  const selector = scale.status?.selector;
  // An empty selector would match every pod in the namespace: never list by it.
  if (selector === undefined || selector === '') {
    throw new DeployerError('kubernetes', `${p.workload} ${p.namespace}/${p.name} reports no pod selector`);
  }
  const pods: V1Pod[] = [];
  let cont: string | undefined;
  do {
    const { core } = await p.api();
    const page = await core.listNamespacedPod({
      namespace: p.namespace,
      labelSelector: selector,
      limit: 500,
      ...(cont === undefined ? {} : { _continue: cont }),
    });
    pods.push(...page.items);
    cont = page.metadata?._continue || undefined;
  } while (cont !== undefined);
  return { scale, pods };
}

function toReplica(pod: V1Pod): Replica {
  return {
    id: pod.metadata?.name ?? '',
    state: podState(pod),
    started_at: toMs(pod.status?.startTime ?? pod.metadata?.creationTimestamp),
  };
}

async function listReplicas(p: KubernetesProps): Promise<Replica[]> {
  const { pods } = await read(p);
  return pods
    .map(toReplica)
    .filter((r) => r.state !== 'stopped')
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The pod's deletion cost as the ReplicaSet controller reads it (absent or invalid: 0). */
function deletionCost(pod: V1Pod): number {
  const raw = pod.metadata?.annotations?.[DELETION_COST];
  const cost = raw === undefined ? 0 : Number(raw);
  return Number.isInteger(cost) ? cost : 0;
}

/**
 * The drain is the pod's: the kubelet sends SIGTERM and kills it after the pod's
 * terminationGracePeriodSeconds, whatever the autoscaler's drain timeout. A shorter grace period
 * cuts drains short, which the operator should hear about.
 */
function warnShortGrace(p: KubernetesProps, victims: readonly V1Pod[], drainTimeoutMs: number): void {
  for (const pod of victims) {
    const graceS = pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (graceS * 1000 < drainTimeoutMs) {
      p.log.warn(
        {
          workload: p.name,
          pod: pod.metadata?.name,
          termination_grace_period_s: graceS,
          drain_timeout_ms: drainTimeoutMs,
        },
        'the pod is killed before its drain timeout: set terminationGracePeriodSeconds at least that long',
      );
      return;
    }
  }
}

/** A StatefulSet's pod ordinal (`web-3` → 3), by which it removes pods, highest first. */
const ordinal = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? -1);

async function scale(
  p: KubernetesProps,
  count: number,
  remove: readonly string[],
  { drainTimeoutMs }: ScaleDownOptions,
): Promise<ScaleResult> {
  if (!Number.isInteger(count) || count < 0) {
    throw new DeployerError('kubernetes', `bad replica count ${count}`);
  }
  const { scale: current, pods } = await read(p);
  const from = current.spec?.replicas ?? 0;
  if (count === from)
    return { started: [], stopping: [], detail: `spec.replicas is ${count}, nothing to do` };
  if (count > from) {
    await writeReplicas(p, count);
    p.log.info({ workload: p.name, from, to: count }, 'scaled up');
    return { started: [], stopping: [], detail: `set spec.replicas ${from} → ${count}` };
  }
  const live = pods.filter((pod) => {
    const state = podState(pod);
    return state === 'starting' || state === 'running';
  });
  const serving = live.map((pod) => ({
    id: pod.metadata?.name ?? '',
    started_at: toReplica(pod).started_at ?? 0,
    pod,
  }));
  let stopping: string[] = [];
  if (p.workload === 'StatefulSet') {
    // The StatefulSet controller ignores deletion costs: it removes the highest ordinals.
    stopping = serving
      .sort((a, b) => ordinal(b.id) - ordinal(a.id))
      .slice(0, Math.max(0, serving.length - count))
      .map((r) => r.id);
  } else if (serving.length > count) {
    const victims = chooseVictims(serving, count, remove);
    // Below every cost the others carry (one left by an interrupted scale-down, or an
    // operator's), so the named pods rank first whatever was set before; in preference order,
    // so that if the controller stops short the most preferred went.
    const others = serving.filter((r) => !victims.includes(r)).map((r) => deletionCost(r.pod));
    const base = Math.min(VICTIM_COST, ...others.map((c) => c - victims.length));
    const { core, mergePatch } = await p.api();
    for (const [i, victim] of victims.entries()) {
      const annotations = { [DELETION_COST]: String(base + i) };
      await core
        .patchNamespacedPod(
          { name: victim.id, namespace: p.namespace, body: { metadata: { annotations } } },
          mergePatch,
        )
        .catch((error: unknown) => {
          // Gone since the listing (evicted, its node lost): one fewer to steer, not a failure.
          if (apiStatus(error) !== 404) throw error;
        });
    }
    stopping = victims.map((v) => v.id);
  }
  warnShortGrace(
    p,
    serving.filter((r) => stopping.includes(r.id)).map((r) => r.pod),
    drainTimeoutMs,
  );
  await writeReplicas(p, count);
  p.log.info({ workload: p.name, from, to: count, stopping }, 'scaled down');
  const steer =
    p.workload === 'Deployment' && stopping.length > 0 ? `, pod-deletion-cost on ${stopping.join(', ')}` : '';
  return { started: [], stopping, detail: `set spec.replicas ${from} → ${count}${steer}` };
}
