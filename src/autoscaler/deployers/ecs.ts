import type { ECSClient, Failure, Service, Task } from '@aws-sdk/client-ecs';
import { type Logger, silentLogger } from '../../platform/log.ts';
import {
  type Deployer,
  DeployerError,
  type Replica,
  type ScaleDownOptions,
  type ScaleResult,
} from './deployer.ts';
import { chooseVictims, oneAtATime } from './scale-plan.ts';

/** DescribeTasks takes at most 100 tasks per call, UpdateTaskProtection 10. */
const DESCRIBE_BATCH = 100;
const PROTECT_BATCH = 10;

export interface EcsDeployerConfig {
  /** The cluster's short name or ARN. */
  cluster: string;
  /** The service whose desiredCount is scaled. */
  service: string;
  /** The AWS region (default AWS_REGION, then AWS_DEFAULT_REGION). */
  region?: string;
  /** An ECS-compatible endpoint (http or https URL) instead of the region's. */
  endpoint?: string;
  /**
   * How long the tasks kept by a scale-in stay protected (1 to 2880 minutes, default 5): long
   * enough for the service scheduler to pick the tasks it stops, short enough not to hold up a
   * deployment of the service for long.
   */
  protectionMinutes?: number;
  /** An already built client, used instead of region and endpoint (embedding). */
  client?: ECSClient;
  log?: Logger;
}

type EcsSdk = typeof import('@aws-sdk/client-ecs');

/** The SDK module and the client, made on first use. */
interface EcsApi {
  readonly sdk: EcsSdk;
  readonly client: ECSClient;
}

/** The deployer's settings and client, resolved once and passed to each step. */
interface EcsProps {
  readonly cluster: string;
  readonly service: string;
  readonly protectionMinutes: number;
  readonly api: () => Promise<EcsApi>;
  readonly log: Logger;
}

/** A task's place in the contract's life cycle, from its lastStatus and desiredStatus. */
export function taskState(task: Task): Replica['state'] {
  switch (task.lastStatus) {
    case 'STOPPED':
    case 'DELETED':
      return 'stopped';
    case 'DEACTIVATING':
    case 'STOPPING':
    case 'DEPROVISIONING':
      return 'draining';
    default:
      // Told to stop but not yet moving: on its way out all the same.
      if (task.desiredStatus === 'STOPPED') return 'draining';
      return task.lastStatus === 'RUNNING' ? 'running' : 'starting';
  }
}

/** The task id, the last part of its ARN: what the console shows and what the API accepts. */
const taskId = (task: Task) => (task.taskArn ?? '').split('/').at(-1) ?? '';

const toMs = (t: Date | undefined): number | null => (t === undefined ? null : t.getTime());

/**
 * Replicas as the tasks of an ECS service, with the official AWS SDK. The size is the service's
 * desiredCount; the replicas are its tasks, read with ListTasks and DescribeTasks at every call.
 * Scale-in cannot name tasks: the tasks to keep get task scale-in protection (with an expiry) and
 * those named in `remove` lose theirs, then desiredCount is set, so the service scheduler stops
 * the named ones. Draining is the task's own SIGTERM handling within its container stopTimeout.
 * Credentials come from the SDK's default provider chain.
 */
export function createEcsDeployer(config: EcsDeployerConfig): Deployer {
  const { cluster, service, protectionMinutes = 5 } = config;
  if (!Number.isInteger(protectionMinutes) || protectionMinutes < 1 || protectionMinutes > 2880) {
    throw new DeployerError(
      'ecs',
      `protectionMinutes must be a whole number from 1 to 2880, not ${protectionMinutes}`,
    );
  }
  const settings = config.client === undefined ? clientSettings(config) : null;
  // The SDK is loaded on first use, not on import: commands that never scale do not pay for it.
  let api: Promise<EcsApi> | null = null;
  const props: EcsProps = Object.freeze({
    cluster,
    service,
    protectionMinutes,
    api: () => {
      api ??= import('@aws-sdk/client-ecs').then((sdk) => ({
        sdk,
        client: config.client ?? new sdk.ECSClient(settings ?? {}),
      }));
      return api;
    },
    log: config.log ?? silentLogger,
  });
  const scales = oneAtATime();
  let closed = false;
  const open = () => {
    if (closed) throw new DeployerError('ecs', 'closed');
  };

  return {
    kind: 'ecs',
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
      await scales.idle();
      // A client passed in belongs to the caller.
      if (config.client === undefined && api !== null) {
        await api.then(
          ({ client }) => client.destroy(),
          () => {},
        );
      }
    },
  };
}

/** Region and endpoint, checked when the deployer is built so that a bad one fails at start. */
function clientSettings(config: EcsDeployerConfig): { region: string; endpoint?: string } {
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') {
    throw new DeployerError('ecs', 'no region: set region in the configuration or AWS_REGION');
  }
  const { endpoint } = config;
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    throw new DeployerError('ecs', `endpoint ${JSON.stringify(endpoint)} is not an http(s) URL`);
  }
  return { region, ...(endpoint === undefined ? {} : { endpoint }) };
}

/** Turns an SDK error into a DeployerError that says which service and what to check. */
function failed(p: EcsProps, what: string) {
  return (error: unknown): never => {
    if (error instanceof DeployerError) throw error;
    const target = `service ${p.service} in cluster ${p.cluster}`;
    let reason: string;
    // The SDK names its exceptions after the service's error types.
    const { name, message } = error as Error;
    const fromService = (error as { $metadata?: unknown }).$metadata !== undefined;
    if (name === 'ClusterNotFoundException') reason = `cluster ${p.cluster} not found`;
    else if (name === 'ServiceNotFoundException') reason = `${target} not found`;
    else if (name === 'ServiceNotActiveException') reason = `${target} is not active`;
    else if (name === 'AccessDeniedException') {
      reason =
        `access denied (${message}); the credentials need ecs:DescribeServices, ecs:ListTasks, ` +
        'ecs:DescribeTasks, ecs:UpdateService and ecs:UpdateTaskProtection';
    } else reason = fromService ? `${name}: ${message}` : message;
    throw new DeployerError('ecs', `${what} ${target}: ${reason}`, { cause: error });
  };
}

/** The service as ECS describes it now; missing or deleted is an error, not an empty service. */
async function describeService(p: EcsProps): Promise<Service> {
  const { sdk, client } = await p.api();
  const out = await client.send(
    new sdk.DescribeServicesCommand({ cluster: p.cluster, services: [p.service] }),
  );
  const found = out.services?.find((s) => s.serviceName === p.service || s.serviceArn === p.service);
  // DescribeServices answers a missing service with a failure, not an exception.
  if (found === undefined) {
    const reason = out.failures?.[0]?.reason ?? 'MISSING';
    throw new DeployerError('ecs', `service ${p.service} in cluster ${p.cluster} not found (${reason})`);
  }
  if (found.status !== 'ACTIVE') {
    throw new DeployerError(
      'ecs',
      `service ${p.service} in cluster ${p.cluster} is ${found.status}, not ACTIVE`,
    );
  }
  return found;
}

/** Every task ARN of the service with the given desired status, across pages. */
async function listTaskArns(p: EcsProps, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<string[]> {
  const { sdk, client } = await p.api();
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new sdk.ListTasksCommand({
        cluster: p.cluster,
        serviceName: p.service,
        desiredStatus,
        maxResults: 100,
        nextToken,
      }),
    );
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return arns;
}

/**
 * The service's tasks that are not stopped. Tasks being stopped have desiredStatus STOPPED and
 * are not in the default listing, so both listings are read to report them as draining.
 */
async function tasks(p: EcsProps): Promise<Task[]> {
  const arns = [...(await listTaskArns(p, 'RUNNING')), ...(await listTaskArns(p, 'STOPPED'))];
  const { sdk, client } = await p.api();
  const found: Task[] = [];
  for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
    const out = await client.send(
      new sdk.DescribeTasksCommand({ cluster: p.cluster, tasks: arns.slice(i, i + DESCRIBE_BATCH) }),
    );
    // A task listed a moment ago and gone now (failure MISSING) is simply not a replica.
    found.push(...(out.tasks ?? []));
  }
  return found.filter((t) => taskState(t) !== 'stopped');
}

function toReplica(task: Task): Replica {
  return { id: taskId(task), state: taskState(task), started_at: toMs(task.startedAt ?? task.createdAt) };
}

async function listReplicas(p: EcsProps): Promise<Replica[]> {
  await describeService(p);
  return (await tasks(p)).map(toReplica).sort((a, b) => a.id.localeCompare(b.id));
}

/** Sets or clears scale-in protection on tasks, ten per call; returns the failures ECS reported. */
async function protect(p: EcsProps, ids: readonly string[], enabled: boolean): Promise<Failure[]> {
  const { sdk, client } = await p.api();
  const failures: Failure[] = [];
  for (let i = 0; i < ids.length; i += PROTECT_BATCH) {
    const out = await client.send(
      new sdk.UpdateTaskProtectionCommand({
        cluster: p.cluster,
        tasks: ids.slice(i, i + PROTECT_BATCH),
        protectionEnabled: enabled,
        ...(enabled ? { expiresInMinutes: p.protectionMinutes } : {}),
      }),
    );
    failures.push(...(out.failures ?? []));
  }
  return failures;
}

async function scale(
  p: EcsProps,
  count: number,
  remove: readonly string[],
  _options: ScaleDownOptions,
): Promise<ScaleResult> {
  if (!Number.isInteger(count) || count < 0) throw new DeployerError('ecs', `bad replica count ${count}`);
  const service = await describeService(p);
  const from = service.desiredCount ?? 0;
  if (count === from) return { started: [], stopping: [], detail: `desiredCount is ${count}, nothing to do` };
  let stopping: string[] = [];
  if (count < from) {
    const serving = (await tasks(p))
      .map(toReplica)
      .filter((r) => r.state === 'starting' || r.state === 'running')
      .map((r) => ({ id: r.id, started_at: r.started_at ?? 0 }));
    if (serving.length > count) {
      const victims = chooseVictims(serving, count, remove);
      const keep = serving.filter((r) => !victims.includes(r)).map((r) => r.id);
      stopping = victims.map((v) => v.id);
      // Kept ones protected first, so that the scheduler never sees only the wrong ones free;
      // the named ones lose any protection an earlier scale-in gave them.
      const failures = [...(await protect(p, keep, true)), ...(await protect(p, stopping, false))];
      if (failures.length > 0) {
        p.log.warn(
          { service: p.service, failures: failures.map((f) => `${f.arn}: ${f.reason}`) },
          'task protection not changed on some tasks: the scheduler may stop others than those named',
        );
      }
    }
  }
  const { sdk, client } = await p.api();
  await client.send(
    new sdk.UpdateServiceCommand({ cluster: p.cluster, service: p.service, desiredCount: count }),
  );
  p.log.info({ service: p.service, from, to: count, stopping }, count > from ? 'scaled up' : 'scaled down');
  const steer = stopping.length > 0 ? `, scale-in protection on all but ${stopping.join(', ')}` : '';
  return { started: [], stopping, detail: `set desiredCount ${from} → ${count}${steer}` };
}
