import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeployerError } from '../../../src/autoscaler/deployers/deployer.ts';
import { createEcsDeployer, type EcsDeployerConfig } from '../../../src/autoscaler/deployers/ecs.ts';
import { createDeployer } from '../../../src/autoscaler/deployers/index.ts';
import { describeDeployerConformance, serving, waitForReplicas } from './conformance.ts';
import { startFakeEcs } from './fake-ecs.ts';

// No AWS account is reachable here: the deployer runs against a fake ECS endpoint that serves
// exactly the operations it calls, in ECS's own protocol, with a service scheduler behind them
// (fake-ecs.ts). The client is the official SDK; its credentials come from the default provider
// chain, here the environment.
const REGION = 'eu-west-1';
const ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKE0000';
process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_ID;
const SECRET_ACCESS_KEY = 'fake/secret+access+key0000000000000000000';
process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_PROFILE;
const fake = await startFakeEcs({
  region: REGION,
  accessKeyId: ACCESS_KEY_ID,
  secretAccessKey: SECRET_ACCESS_KEY,
});
afterAll(() => fake.close());

const down = { drainTimeoutMs: 2_000 };
let clusters = 0;
const config = (
  cluster: string,
  service: string,
  extra: Partial<EcsDeployerConfig> = {},
): EcsDeployerConfig => ({
  cluster,
  service,
  region: REGION,
  endpoint: fake.url,
  ...extra,
});

describeDeployerConformance('ecs', {
  choosesVictims: false,
  settleMs: 10_000,
  async setup() {
    const cluster = `conformance-${++clusters}`;
    fake.addCluster(cluster);
    fake.addService(cluster, 'workers');
    fake.addService(cluster, 'workers-other');
    return {
      make: async () => createEcsDeployer(config(cluster, 'workers')),
      makeOther: async () => createEcsDeployer(config(cluster, 'workers-other')),
      // A standalone task of a look-alike family, in the same cluster.
      plantForeign: async () => {
        const id = fake.plantTask(cluster, 'workers');
        return async () => fake.task(cluster, id)?.lastStatus === 'RUNNING';
      },
      cleanup: async () => fake.removeCluster(cluster),
    };
  },
});

describe('ecs deployer', () => {
  let cluster = '';
  const fresh = (extra: Partial<EcsDeployerConfig> = {}) => {
    cluster = `specific-${++clusters}`;
    fake.addCluster(cluster);
    fake.addService(cluster, 'workers');
    return createEcsDeployer(config(cluster, 'workers', extra));
  };
  afterEach(() => fake.removeCluster(cluster));
  const running = (n: number) => (rs: { state: string }[]) =>
    rs.length === n && rs.every((r) => r.state === 'running');

  it('reads the service and its tasks, then sets desiredCount', async () => {
    const deployer = fresh();
    fake.calls.length = 0;
    const result = await deployer.scaleTo(2, [], down);
    expect(result).toEqual({ started: [], stopping: [], detail: 'set desiredCount 0 → 2' });
    expect(fake.calls.map((c) => c.operation)).toEqual(['DescribeServices', 'UpdateService']);
    expect(fake.calls[0]?.body).toEqual({ cluster, services: ['workers'] });
    expect(fake.calls[1]?.body).toEqual({ cluster, service: 'workers', desiredCount: 2 });
    const starting = await deployer.replicas();
    expect(starting.map((r) => r.state)).toEqual(['starting', 'starting']);
    const replicas = await waitForReplicas(deployer, 'two running', running(2), 5_000);
    for (const r of replicas) {
      expect(r.id).toMatch(/^[0-9a-f]{32}$/);
      expect(Number.isInteger(r.started_at)).toBe(true);
    }
    const reads = fake.calls.slice(-4).map((c) => [c.operation, c.body]);
    expect(reads).toEqual([
      ['DescribeServices', { cluster, services: ['workers'] }],
      ['ListTasks', { cluster, serviceName: 'workers', desiredStatus: 'RUNNING', maxResults: 100 }],
      ['ListTasks', { cluster, serviceName: 'workers', desiredStatus: 'STOPPED', maxResults: 100 }],
      ['DescribeTasks', { cluster, tasks: expect.arrayContaining([expect.stringMatching(/^arn:aws:ecs:/)]) }],
    ]);
    await deployer.close();
  });

  it('steers scale-in with task protection: the kept tasks protected, the named ones not', async () => {
    const deployer = fresh({ protectionMinutes: 3 });
    await deployer.scaleTo(4, [], down);
    const ids = (await waitForReplicas(deployer, 'four running', running(4), 5_000)).map((r) => r.id);
    const [a, b, c, d] = ids as [string, string, string, string];
    fake.calls.length = 0;
    const result = await deployer.scaleTo(2, ['not-a-task', c, a, b], down);
    expect(result.stopping).toEqual([c, a]);
    expect(result.detail).toBe(`set desiredCount 4 → 2, scale-in protection on all but ${c}, ${a}`);
    const writes = fake.calls.filter((call) => call.operation.startsWith('Update'));
    expect(writes).toEqual([
      {
        operation: 'UpdateTaskProtection',
        body: { cluster, tasks: [b, d], protectionEnabled: true, expiresInMinutes: 3 },
      },
      { operation: 'UpdateTaskProtection', body: { cluster, tasks: [c, a], protectionEnabled: false } },
      { operation: 'UpdateService', body: { cluster, service: 'workers', desiredCount: 2 } },
    ]);
    // The fake scheduler, like ECS's, stops only unprotected tasks on scale-in.
    const during = await deployer.replicas();
    expect(
      during
        .filter((r) => r.state === 'draining')
        .map((r) => r.id)
        .sort(),
    ).toEqual([a, c].sort());
    const left = await waitForReplicas(deployer, 'two running', running(2), 5_000);
    expect(left.map((r) => r.id).sort()).toEqual([b, d].sort());
    const protectedUntil = fake.task(cluster, b)?.protectedUntil ?? 0;
    expect(protectedUntil - Date.now()).toBeGreaterThan(2 * 60_000);
    await deployer.close();
  });

  it('a task protected by an earlier scale-in loses its protection when it is named', async () => {
    const deployer = fresh();
    await deployer.scaleTo(3, [], down);
    const [a, b, c] = (await waitForReplicas(deployer, 'three running', running(3), 5_000)).map(
      (r) => r.id,
    ) as [string, string, string];
    await deployer.scaleTo(2, [c], down);
    await waitForReplicas(deployer, 'two running', running(2), 5_000);
    expect(fake.task(cluster, b)?.protectedUntil).not.toBeNull();
    await deployer.scaleTo(1, [b], down);
    const left = await waitForReplicas(deployer, 'one running', running(1), 5_000);
    expect(left.map((r) => r.id)).toEqual([a]);
    await deployer.close();
  });

  it('protects and unprotects at most ten tasks per call', async () => {
    const deployer = fresh();
    await deployer.scaleTo(12, [], down);
    await waitForReplicas(deployer, 'twelve running', running(12), 5_000);
    fake.calls.length = 0;
    await deployer.scaleTo(1, [], down);
    const protections = fake.calls.filter((call) => call.operation === 'UpdateTaskProtection');
    expect(protections.map((p) => [(p.body.tasks as string[]).length, p.body.protectionEnabled])).toEqual([
      [1, true],
      [10, false],
      [1, false],
    ]);
    expect(serving(await waitForReplicas(deployer, 'one running', running(1), 5_000))).toHaveLength(1);
    await deployer.close();
  });

  it('a missing service is a DeployerError that names it', async () => {
    const deployer = fresh();
    const missing = createEcsDeployer(config(cluster, 'nowhere'));
    await expect(missing.replicas()).rejects.toThrow(
      new DeployerError('ecs', `service nowhere in cluster ${cluster} not found (MISSING)`),
    );
    await expect(missing.scaleTo(1, [], down)).rejects.toBeInstanceOf(DeployerError);
    fake.deactivate(cluster, 'workers');
    await expect(deployer.scaleTo(1, [], down)).rejects.toThrow(
      /service workers in cluster .* is INACTIVE, not ACTIVE/,
    );
    await missing.close();
    await deployer.close();
  });

  it('a missing cluster is a DeployerError that names it (ClusterNotFoundException)', async () => {
    cluster = `specific-${++clusters}`;
    const deployer = createEcsDeployer(config(cluster, 'workers'));
    const error = await deployer.replicas().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployerError);
    expect((error as Error).message).toBe(
      `ecs deployer: listing service workers in cluster ${cluster}: cluster ${cluster} not found`,
    );
    expect(((error as Error).cause as Error).name).toBe('ClusterNotFoundException');
    await deployer.close();
  });

  it('access denied is a DeployerError that lists the permissions needed', async () => {
    const deployer = fresh();
    fake.deny('ListTasks');
    try {
      const error = await deployer.replicas().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployerError);
      expect((error as Error).message).toMatch(
        /access denied \(User: .* is not authorized to perform: ecs:ListTasks .*\); the credentials need ecs:DescribeServices/,
      );
    } finally {
      fake.allow('ListTasks');
    }
    await deployer.close();
  });

  it('credentials the endpoint does not know are a DeployerError', async () => {
    const deployer = fresh();
    process.env.AWS_ACCESS_KEY_ID = 'AKIAUNKNOWN000000000';
    try {
      await expect(createEcsDeployer(config(cluster, 'workers')).replicas()).rejects.toThrow(
        /UnrecognizedClientException: The security token included in the request is invalid/,
      );
    } finally {
      process.env.AWS_ACCESS_KEY_ID = ACCESS_KEY_ID;
    }
    await deployer.close();
  });

  it('createDeployer builds it from the configuration kind ecs', async () => {
    await fresh().close();
    const deployer = createDeployer({
      kind: 'ecs',
      cluster,
      service: 'workers',
      region: REGION,
      endpoint: fake.url,
    });
    expect(deployer.kind).toBe('ecs');
    await deployer.scaleTo(1, [], down);
    await waitForReplicas(deployer, 'one running', running(1), 5_000);
    await deployer.close();
  });

  it('a wrong secret key fails the signature check: a DeployerError', async () => {
    const deployer = fresh();
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';
    try {
      await expect(createEcsDeployer(config(cluster, 'workers')).replicas()).rejects.toThrow(
        /InvalidSignatureException: The request signature we calculated does not match/,
      );
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
    }
    await deployer.close();
  });

  it('needs a region, and an endpoint that is an http(s) URL', () => {
    const saved = [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION];
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => createEcsDeployer({ cluster: 'c', service: 's' })).toThrow(/no region/);
      process.env.AWS_REGION = REGION;
      expect(createEcsDeployer({ cluster: 'c', service: 's' }).kind).toBe('ecs');
      expect(() => createEcsDeployer({ cluster: 'c', service: 's', endpoint: 'ecs.local:4566' })).toThrow(
        /not an http\(s\) URL/,
      );
    } finally {
      if (saved[0] === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved[0];
      if (saved[1] !== undefined) process.env.AWS_DEFAULT_REGION = saved[1];
    }
  });
});
