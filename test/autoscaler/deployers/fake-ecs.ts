import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A fake Amazon ECS endpoint for the ecs deployer's tests: exactly the operations the deployer
// calls, in the service's own protocol (AWS JSON 1.1: POST / with
// `X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>`, a SigV4 signature it verifies,
// JSON bodies with epoch-second timestamps, errors as `{"__type": ..., "message": ...}` with
// status 400), since no AWS account is reachable here:
//   DescribeServices, ListTasks (serviceName, desiredStatus, maxResults, nextToken),
//   DescribeTasks (≤ 100), UpdateService (desiredCount), UpdateTaskProtection (≤ 10, 1–2880 min).
// Behind it runs a service scheduler: desiredCount creates tasks (PROVISIONING → PENDING →
// ACTIVATING → RUNNING) and stops surplus ones (desiredStatus STOPPED, then DEACTIVATING →
// STOPPING → DEPROVISIONING → STOPPED), never a task whose scale-in protection has not expired:
// those not yet running first, then the newest. Stopped tasks stay listed under
// desiredStatus STOPPED, as ECS keeps them for a while.

type Json = Record<string, unknown>;

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const ACCOUNT = '123456789012';
const STARTING = ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'] as const;
const STOPPING = ['DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'] as const;

interface FakeService {
  name: string;
  arn: string;
  desiredCount: number;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  createdAt: number;
  deploymentId: string;
}

interface FakeTask {
  arn: string;
  id: string;
  /** `service:<name>` for a service's task, `family:<name>` for a standalone one. */
  group: string;
  startedBy: string;
  lastStatus: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  /** When the last status changed (drives the next step). */
  stepAt: number;
  protectedUntil: number | null;
}

interface FakeCluster {
  name: string;
  arn: string;
  services: Map<string, FakeService>;
  tasks: Map<string, FakeTask>;
}

export interface FakeEcsOptions {
  region: string;
  /** The one key pair the endpoint accepts; each request's SigV4 signature is checked with it. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Time between two task states. */
  stepMs?: number;
}

export interface RecordedCall {
  operation: string;
  body: Json;
}

class AwsError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

const seconds = (ms: number) => ms / 1000;
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * Why a request's Signature Version 4 does not hold, or null when it does: the credential's key
 * and scope, then the signature recomputed over the canonical request (POST /, no query, the
 * signed headers, the body's hash) with the key pair.
 */
function sigV4Problem(
  req: IncomingMessage,
  payload: Buffer,
  key: { accessKeyId: string; secretAccessKey: string; region: string },
): { type: string; message: string } | null {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (m === null)
    return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== key.accessKeyId) {
    return {
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  if (region !== key.region || service !== 'ecs') {
    return {
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region and service.`,
    };
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const names = (signedHeaders as string).split(';');
  const canonicalHeaders = names
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const canonicalRequest = ['POST', '/', '', canonicalHeaders, signedHeaders, sha256(payload)].join('\n');
  const scope = `${date}/${region}/ecs/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, date as string), region as string), 'ecs'),
    'aws4_request',
  );
  const expected = hmac(signingKey, toSign);
  const given = Buffer.from(signature as string, 'hex');
  if (!names.includes('host') || !names.includes('x-amz-date') || !timingSafeEqual(expected, given)) {
    return {
      type: 'InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return null;
}
const hex = (n: number) => randomBytes(n).toString('hex');

/** The fake endpoint, its state, and hooks for the tests. */
export async function startFakeEcs(options: FakeEcsOptions) {
  const { region, accessKeyId, secretAccessKey, stepMs = 30 } = options;
  const clusters = new Map<string, FakeCluster>();
  const calls: RecordedCall[] = [];
  const denied = new Set<string>();

  function cluster(ref: unknown): FakeCluster {
    const name = typeof ref === 'string' ? ref.split('/').at(-1) : 'default';
    const found = name === undefined ? undefined : clusters.get(name);
    if (found === undefined) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return found;
  }
  const serviceIn = (c: FakeCluster, ref: unknown) =>
    typeof ref === 'string' ? c.services.get(ref.split('/').at(-1) ?? '') : undefined;

  function serviceJson(c: FakeCluster, s: FakeService): Json {
    const mine = [...c.tasks.values()].filter(
      (t) => t.group === `service:${s.name}` && t.desiredStatus === 'RUNNING',
    );
    return {
      serviceArn: s.arn,
      serviceName: s.name,
      clusterArn: c.arn,
      status: s.status,
      desiredCount: s.desiredCount,
      runningCount: mine.filter((t) => t.lastStatus === 'RUNNING').length,
      pendingCount: mine.filter((t) => t.lastStatus !== 'RUNNING').length,
      launchType: 'FARGATE',
      taskDefinition: `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/vigil-worker:1`,
      deployments: [
        {
          id: s.deploymentId,
          status: 'PRIMARY',
          desiredCount: s.desiredCount,
          runningCount: mine.filter((t) => t.lastStatus === 'RUNNING').length,
          pendingCount: mine.filter((t) => t.lastStatus !== 'RUNNING').length,
          rolloutState: 'COMPLETED',
        },
      ],
      createdAt: seconds(s.createdAt),
      schedulingStrategy: 'REPLICA',
    };
  }

  function taskJson(c: FakeCluster, t: FakeTask): Json {
    return {
      taskArn: t.arn,
      clusterArn: c.arn,
      taskDefinitionArn: `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/vigil-worker:1`,
      group: t.group,
      startedBy: t.startedBy,
      lastStatus: t.lastStatus,
      desiredStatus: t.desiredStatus,
      launchType: 'FARGATE',
      cpu: '256',
      memory: '512',
      createdAt: seconds(t.createdAt),
      ...(t.startedAt === undefined ? {} : { startedAt: seconds(t.startedAt) }),
      ...(t.stoppingAt === undefined
        ? {}
        : {
            stoppingAt: seconds(t.stoppingAt),
            stopCode: 'ServiceSchedulerInitiated',
            stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/' + t.startedBy.slice(8) + ')',
          }),
      ...(t.stoppedAt === undefined ? {} : { stoppedAt: seconds(t.stoppedAt) }),
      containers: [{ name: 'worker', lastStatus: t.lastStatus, taskArn: t.arn }],
      version: 1,
    };
  }

  const isProtected = (t: FakeTask, now: number) => t.protectedUntil !== null && t.protectedUntil > now;

  function step(t: FakeTask, now: number): void {
    if (now - t.stepAt < stepMs) return;
    const path: readonly string[] = t.desiredStatus === 'RUNNING' ? STARTING : STOPPING;
    const at = path.indexOf(t.lastStatus);
    if (at === -1) {
      // Told to stop while starting: it begins the stopping path.
      t.lastStatus = STOPPING[0];
      t.stepAt = now;
      return;
    }
    if (at === path.length - 1) return;
    t.lastStatus = path[at + 1] as string;
    t.stepAt = now;
    if (t.lastStatus === 'RUNNING') t.startedAt = now;
    if (t.lastStatus === 'STOPPED') t.stoppedAt = now;
  }

  /** The service scheduler: reach desiredCount, stopping unprotected tasks only. */
  function schedule(): void {
    const now = Date.now();
    for (const c of clusters.values()) {
      for (const t of c.tasks.values()) step(t, now);
      for (const s of c.services.values()) {
        const active = [...c.tasks.values()].filter(
          (t) => t.group === `service:${s.name}` && t.desiredStatus === 'RUNNING',
        );
        for (let i = active.length; i < s.desiredCount; i++) {
          const id = hex(16);
          c.tasks.set(id, {
            arn: `arn:aws:ecs:${region}:${ACCOUNT}:task/${c.name}/${id}`,
            id,
            group: `service:${s.name}`,
            startedBy: `ecs-svc/${s.deploymentId}`,
            lastStatus: 'PROVISIONING',
            desiredStatus: 'RUNNING',
            createdAt: now,
            stepAt: now,
            protectedUntil: null,
          });
        }
        const surplus = active.length - s.desiredCount;
        if (surplus <= 0) continue;
        const running = (t: FakeTask) => (t.lastStatus === 'RUNNING' ? 1 : 0);
        const victims = active
          .filter((t) => !isProtected(t, now))
          .sort((a, b) => running(a) - running(b) || b.createdAt - a.createdAt)
          .slice(0, surplus);
        for (const t of victims) {
          t.desiredStatus = 'STOPPED';
          t.stoppingAt = now;
          t.stepAt = now - stepMs;
        }
      }
    }
  }
  const scheduler = setInterval(schedule, 15);
  scheduler.unref();

  const operations: Record<string, (body: Json) => Json> = {
    DescribeServices(body) {
      const c = cluster(body.cluster);
      const refs = body.services;
      if (!Array.isArray(refs) || refs.length === 0 || refs.length > 10) {
        throw new AwsError(
          'InvalidParameterException',
          'Services cannot be empty and may hold at most 10 entries.',
        );
      }
      const services: Json[] = [];
      const failures: Json[] = [];
      for (const ref of refs) {
        const s = serviceIn(c, ref);
        if (s === undefined) {
          failures.push({
            arn: `arn:aws:ecs:${region}:${ACCOUNT}:service/${c.name}/${String(ref)}`,
            reason: 'MISSING',
          });
        } else services.push(serviceJson(c, s));
      }
      return { services, failures };
    },
    ListTasks(body) {
      const c = cluster(body.cluster);
      let group: string | null = null;
      if (body.serviceName !== undefined) {
        const s = serviceIn(c, body.serviceName);
        if (s === undefined) throw new AwsError('ServiceNotFoundException', 'Service not found.');
        group = `service:${s.name}`;
      }
      const desired = body.desiredStatus ?? 'RUNNING';
      if (desired !== 'RUNNING' && desired !== 'STOPPED' && desired !== 'PENDING') {
        throw new AwsError('InvalidParameterException', `Invalid desiredStatus: ${String(desired)}`);
      }
      const max = typeof body.maxResults === 'number' ? body.maxResults : 100;
      if (max < 1 || max > 100)
        throw new AwsError('InvalidParameterException', 'maxResults must be between 1 and 100.');
      // PENDING lists tasks whose desired status is RUNNING but that are not yet running.
      const all = [...c.tasks.values()]
        .filter((t) => group === null || t.group === group)
        .filter((t) =>
          desired === 'PENDING'
            ? t.desiredStatus === 'RUNNING' && t.lastStatus !== 'RUNNING'
            : t.desiredStatus === desired,
        )
        .map((t) => t.arn)
        .sort();
      const offset =
        typeof body.nextToken === 'string' ? Number(Buffer.from(body.nextToken, 'base64').toString()) : 0;
      const page = all.slice(offset, offset + max);
      const more = offset + max < all.length;
      return {
        taskArns: page,
        ...(more ? { nextToken: Buffer.from(String(offset + max)).toString('base64') } : {}),
      };
    },
    DescribeTasks(body) {
      const c = cluster(body.cluster);
      const refs = body.tasks;
      if (!Array.isArray(refs) || refs.length === 0 || refs.length > 100) {
        throw new AwsError(
          'InvalidParameterException',
          'Tasks cannot be empty and may hold at most 100 entries.',
        );
      }
      const tasks: Json[] = [];
      const failures: Json[] = [];
      for (const ref of refs) {
        const t = c.tasks.get(String(ref).split('/').at(-1) ?? '');
        if (t === undefined) failures.push({ arn: String(ref), reason: 'MISSING' });
        else tasks.push(taskJson(c, t));
      }
      return { tasks, failures };
    },
    UpdateService(body) {
      const c = cluster(body.cluster);
      const s = serviceIn(c, body.service);
      if (s === undefined) throw new AwsError('ServiceNotFoundException', 'Service not found.');
      if (s.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
      if (body.desiredCount !== undefined) {
        if (!Number.isInteger(body.desiredCount) || (body.desiredCount as number) < 0) {
          throw new AwsError('InvalidParameterException', 'Invalid desiredCount.');
        }
        s.desiredCount = body.desiredCount as number;
      }
      schedule();
      return { service: serviceJson(c, s) };
    },
    UpdateTaskProtection(body) {
      const c = cluster(body.cluster);
      const refs = body.tasks;
      if (!Array.isArray(refs) || refs.length === 0 || refs.length > 10) {
        throw new AwsError(
          'InvalidParameterException',
          'Tasks cannot be empty and may hold at most 10 entries.',
        );
      }
      if (typeof body.protectionEnabled !== 'boolean') {
        throw new AwsError('InvalidParameterException', 'protectionEnabled is required.');
      }
      const minutes = body.expiresInMinutes ?? 120;
      if (!Number.isInteger(minutes) || (minutes as number) < 1 || (minutes as number) > 2880) {
        throw new AwsError('InvalidParameterException', 'expiresInMinutes must be between 1 and 2880.');
      }
      const now = Date.now();
      const protectedTasks: Json[] = [];
      const failures: Json[] = [];
      for (const ref of refs) {
        const t = c.tasks.get(String(ref).split('/').at(-1) ?? '');
        if (t === undefined || t.lastStatus === 'STOPPED') {
          failures.push({ arn: String(ref), reason: 'MISSING' });
        } else if (!t.group.startsWith('service:')) {
          failures.push({
            arn: t.arn,
            reason: 'TASK_NOT_VALID',
            detail: 'The task is not part of a service.',
          });
        } else {
          t.protectedUntil = body.protectionEnabled ? now + (minutes as number) * 60_000 : null;
          protectedTasks.push({
            taskArn: t.arn,
            protectionEnabled: body.protectionEnabled,
            ...(t.protectedUntil === null ? {} : { expirationDate: seconds(t.protectedUntil) }),
          });
        }
      }
      return { protectedTasks, failures };
    },
  };

  function send(res: ServerResponse, status: number, body: Json): void {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`,
    });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX)) {
      return send(res, 404, { __type: 'UnknownOperationException' });
    }
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1') {
      return send(res, 400, { __type: 'SerializationException', message: 'unexpected content type' });
    }
    const operation = target.slice(TARGET_PREFIX.length);
    const payload = Buffer.concat(chunks);
    const unsigned = sigV4Problem(req, payload, { accessKeyId, secretAccessKey, region });
    if (unsigned !== null) return send(res, 400, { __type: unsigned.type, message: unsigned.message });
    let body: Json;
    try {
      body = JSON.parse(payload.toString('utf8') || '{}') as Json;
    } catch {
      return send(res, 400, { __type: 'SerializationException', message: 'body is not JSON' });
    }
    calls.push({ operation, body });
    const handler = operations[operation];
    if (handler === undefined) {
      return send(res, 400, {
        __type: 'UnknownOperationException',
        message: `the fake does not serve ${operation}`,
      });
    }
    if (denied.has(operation)) {
      return send(res, 400, {
        __type: 'AccessDeniedException',
        Message: `User: arn:aws:iam::${ACCOUNT}:user/autoscaler is not authorized to perform: ecs:${operation} on resource: * because no identity-based policy allows the ecs:${operation} action`,
      });
    }
    try {
      return send(res, 200, handler(body));
    } catch (error) {
      if (error instanceof AwsError)
        return send(res, error.status, { __type: error.type, message: error.message });
      throw error;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) =>
      send(res, 500, { __type: 'ServerException', message: error.message }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    addCluster(name: string): void {
      clusters.set(name, {
        name,
        arn: `arn:aws:ecs:${region}:${ACCOUNT}:cluster/${name}`,
        services: new Map(),
        tasks: new Map(),
      });
    },
    addService(clusterName: string, name: string, desiredCount = 0): void {
      const c = cluster(clusterName);
      c.services.set(name, {
        name,
        arn: `arn:aws:ecs:${region}:${ACCOUNT}:service/${clusterName}/${name}`,
        desiredCount,
        status: 'ACTIVE',
        createdAt: Date.now(),
        deploymentId: hex(10),
      });
    },
    /** Marks a service deleted (INACTIVE), as DeleteService leaves it for a while. */
    deactivate(clusterName: string, name: string): void {
      const s = cluster(clusterName).services.get(name);
      if (s !== undefined) s.status = 'INACTIVE';
    },
    /** A standalone running task (RunTask's kind), in no service. */
    plantTask(clusterName: string, family: string): string {
      const c = cluster(clusterName);
      const id = hex(16);
      const now = Date.now();
      c.tasks.set(id, {
        arn: `arn:aws:ecs:${region}:${ACCOUNT}:task/${clusterName}/${id}`,
        id,
        group: `family:${family}`,
        startedBy: 'manual',
        lastStatus: 'RUNNING',
        desiredStatus: 'RUNNING',
        createdAt: now,
        startedAt: now,
        stepAt: now,
        protectedUntil: null,
      });
      return id;
    },
    task(clusterName: string, id: string): { lastStatus: string; protectedUntil: number | null } | undefined {
      return clusters.get(clusterName)?.tasks.get(id);
    },
    /** Makes the endpoint answer an operation with AccessDeniedException. */
    deny(operation: string): void {
      denied.add(operation);
    },
    allow(operation: string): void {
      denied.delete(operation);
    },
    removeCluster(name: string): void {
      clusters.delete(name);
    },
    async close(): Promise<void> {
      clearInterval(scheduler);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeEcs = Awaited<ReturnType<typeof startFakeEcs>>;
