import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeployerError } from '../../../src/autoscaler/deployers/deployer.ts';
import { createDeployer } from '../../../src/autoscaler/deployers/index.ts';
import {
  createKubernetesDeployer,
  DELETION_COST,
  type KubernetesDeployerConfig,
} from '../../../src/autoscaler/deployers/kubernetes.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { tempDirs } from '../../helpers/temp-dirs.ts';
import { describeDeployerConformance, serving, waitForReplicas } from './conformance.ts';
import { startFakeKubernetes } from './fake-kubernetes.ts';

// No cluster is reachable here: the deployer runs against a fake API server that implements
// exactly the calls it makes, with the API server's shapes and a controller behind them
// (fake-kubernetes.ts). The client is the official one, configured from a kubeconfig file.
const TOKEN = 'fake-service-account-token';
const fake = await startFakeKubernetes({ token: TOKEN });
const dirs = tempDirs();
const kubeconfig = join(dirs.make('vigil-kube-'), 'config');
// JSON is YAML: the client reads it as any kubeconfig. It sends plain HTTP only to a cluster
// marked insecure-skip-tls-verify; the fake serves no TLS, which nothing here depends on.
writeFileSync(
  kubeconfig,
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: fake.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'autoscaler', user: { token: TOKEN } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'autoscaler' } }],
    'current-context': 'fake',
  }),
);
afterAll(async () => {
  await fake.close();
  dirs.cleanup();
});

const down = { drainTimeoutMs: 2_000 };
let namespaces = 0;
const config = (namespace: string, name: string, extra: Partial<KubernetesDeployerConfig> = {}) => ({
  kubeconfig,
  namespace,
  name,
  ...extra,
});

describeDeployerConformance('kubernetes', {
  choosesVictims: false,
  settleMs: 10_000,
  async setup() {
    const ns = `conformance-${++namespaces}`;
    fake.addWorkload('Deployment', ns, 'pool', { app: 'pool' });
    fake.addWorkload('Deployment', ns, 'pool-other', { app: 'pool-other' });
    return {
      make: async () => createKubernetesDeployer(config(ns, 'pool')),
      makeOther: async () => createKubernetesDeployer(config(ns, 'pool-other')),
      plantForeign: async () => {
        fake.plantPod(ns, 'pool-lookalike', { app: 'pool-lookalike' });
        return async () => fake.pod(ns, 'pool-lookalike')?.metadata !== undefined;
      },
      cleanup: async () => fake.clear(ns),
    };
  },
});

describeDeployerConformance('kubernetes StatefulSet', {
  choosesVictims: false,
  settleMs: 10_000,
  async setup() {
    const ns = `conformance-sts-${++namespaces}`;
    fake.addWorkload('StatefulSet', ns, 'pool', { app: 'pool' });
    fake.addWorkload('StatefulSet', ns, 'pool-other', { app: 'pool-other' });
    const sts = { workload: 'StatefulSet' as const };
    return {
      make: async () => createKubernetesDeployer(config(ns, 'pool', sts)),
      makeOther: async () => createKubernetesDeployer(config(ns, 'pool-other', sts)),
      cleanup: async () => fake.clear(ns),
    };
  },
});

describe('kubernetes deployer', () => {
  let ns = '';
  const fresh = (kind: 'Deployment' | 'StatefulSet' = 'Deployment') => {
    ns = `specific-${++namespaces}`;
    fake.addWorkload(kind, ns, 'pool', { app: 'pool', tier: 'workers' });
    return createKubernetesDeployer(config(ns, 'pool', { workload: kind }));
  };
  afterEach(() => fake.clear(ns));
  const running = (n: number) => (rs: { state: string }[]) =>
    rs.length === n && rs.every((r) => r.state === 'running');

  it('reads the scale subresource and lists pods by its selector, then patches spec.replicas', async () => {
    const deployer = fresh();
    fake.requests.length = 0;
    const result = await deployer.scaleTo(2, [], down);
    expect(result.detail).toBe('set spec.replicas 0 → 2');
    const calls = fake.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls[0]).toBe(`GET /apis/apps/v1/namespaces/${ns}/deployments/pool/scale`);
    expect(calls[1]).toMatch(
      new RegExp(`^GET /api/v1/namespaces/${ns}/pods\\?labelSelector=app%3Dpool%2Ctier%3Dworkers`),
    );
    const patch = fake.requests[2];
    expect(patch?.method).toBe('PATCH');
    expect(patch?.path).toBe(`/apis/apps/v1/namespaces/${ns}/deployments/pool/scale`);
    expect(patch?.contentType).toBe('application/merge-patch+json');
    expect(patch?.body).toEqual({ spec: { replicas: 2 } });
    const replicas = await waitForReplicas(deployer, 'two running', running(2), 5_000);
    for (const r of replicas) expect(r.id).toMatch(/^pool-[a-z0-9]{10}-[a-z0-9]{5}$/);
    await deployer.close();
  });

  it('reports Pending pods as starting and pods being deleted as draining', async () => {
    const deployer = fresh();
    await deployer.scaleTo(2, [], down);
    const first = await deployer.replicas();
    expect(first.map((r) => r.state)).toEqual(['starting', 'starting']);
    expect(first.every((r) => r.started_at === null || Number.isInteger(r.started_at))).toBe(true);
    await waitForReplicas(deployer, 'two running', running(2), 5_000);
    await deployer.scaleTo(1, [], down);
    const during = await deployer.replicas();
    expect(during.filter((r) => r.state === 'draining')).toHaveLength(1);
    expect(serving(during)).toHaveLength(1);
    await deployer.close();
  });

  it('steers scale-down with pod-deletion-cost on the named pods, in order, and leaves the others alone', async () => {
    const deployer = fresh();
    await deployer.scaleTo(4, [], down);
    const ids = (await waitForReplicas(deployer, 'four running', running(4), 5_000)).map((r) => r.id);
    const [a, b, c, d] = ids as [string, string, string, string];
    fake.requests.length = 0;
    const result = await deployer.scaleTo(2, ['not-a-pod', c, a, b], down);
    expect(result.stopping).toEqual([c, a]);
    expect(result.detail).toBe(`set spec.replicas 4 → 2, pod-deletion-cost on ${c}, ${a}`);
    const patches = fake.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => [r.path, r.contentType, r.body])).toEqual([
      [
        `/api/v1/namespaces/${ns}/pods/${c}`,
        'application/merge-patch+json',
        { metadata: { annotations: { [DELETION_COST]: '-1000' } } },
      ],
      [
        `/api/v1/namespaces/${ns}/pods/${a}`,
        'application/merge-patch+json',
        { metadata: { annotations: { [DELETION_COST]: '-999' } } },
      ],
      [
        `/apis/apps/v1/namespaces/${ns}/deployments/pool/scale`,
        'application/merge-patch+json',
        { spec: { replicas: 2 } },
      ],
    ]);
    // The fake's controller deletes the lowest cost first among ready pods, as the real one does.
    const left = await waitForReplicas(deployer, 'two running', running(2), 5_000);
    expect(left.map((r) => r.id).sort()).toEqual([b, d].sort());
    await deployer.close();
  });

  it('gives the named pods a cost below any a kept pod already carries, and warns of a grace period shorter than the drain', async () => {
    const log = captureLog();
    ns = `specific-${++namespaces}`;
    fake.addWorkload('Deployment', ns, 'pool', { app: 'pool' });
    const deployer = createKubernetesDeployer(config(ns, 'pool', { log }));
    await deployer.scaleTo(3, [], down);
    const [a, b, c] = (await waitForReplicas(deployer, 'three running', running(3), 5_000)).map(
      (r) => r.id,
    ) as [string, string, string];
    // Left by a scale-down whose spec.replicas write never happened.
    const kept = fake.pod(ns, c)?.metadata as { annotations?: Record<string, string> };
    kept.annotations = { [DELETION_COST]: '-1000' };
    await deployer.scaleTo(1, [a, b], { drainTimeoutMs: 60_000 });
    const costOf = (pod: string) =>
      (fake.pod(ns, pod)?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[
        DELETION_COST
      ];
    expect(costOf(a)).toBe('-1002');
    expect(costOf(b)).toBe('-1001');
    const left = await waitForReplicas(deployer, 'one running', running(1), 5_000);
    expect(left.map((r) => r.id)).toEqual([c]);
    const warning = log.entries.find((e) => e.level === 'warn');
    expect(warning?.msg).toMatch(/set terminationGracePeriodSeconds at least that long/);
    expect(warning?.fields).toMatchObject({ termination_grace_period_s: 30, drain_timeout_ms: 60_000 });
    await deployer.close();
  });

  it('a StatefulSet is scaled through its own scale subresource and loses its highest ordinals', async () => {
    const deployer = fresh('StatefulSet');
    await deployer.scaleTo(3, [], down);
    await waitForReplicas(deployer, 'three running', running(3), 5_000);
    fake.requests.length = 0;
    const result = await deployer.scaleTo(1, ['pool-0'], down);
    // Deletion costs mean nothing to the StatefulSet controller: none is set, and it says which go.
    expect(result.stopping).toEqual(['pool-2', 'pool-1']);
    expect(fake.requests.filter((r) => r.path.includes('/pods/'))).toEqual([]);
    expect(fake.requests.at(-1)?.path).toBe(`/apis/apps/v1/namespaces/${ns}/statefulsets/pool/scale`);
    const left = await waitForReplicas(deployer, 'one running', running(1), 5_000);
    expect(left.map((r) => r.id)).toEqual(['pool-0']);
    await deployer.close();
  });

  it('lists pods across pages (limit and continue)', async () => {
    const deployer = fresh();
    await deployer.scaleTo(501, [], down);
    fake.requests.length = 0;
    const replicas = await deployer.replicas();
    expect(new Set(replicas.map((r) => r.id)).size).toBe(501);
    const lists = fake.requests.filter((r) => r.path.startsWith(`/api/v1/namespaces/${ns}/pods?`));
    expect(lists.map((r) => new URL(r.path, fake.url).searchParams.get('continue'))).toEqual([null, '500']);
    expect(lists.every((r) => new URL(r.path, fake.url).searchParams.get('limit') === '500')).toBe(true);
    await deployer.close();
  });

  it('a missing workload is a DeployerError that names it', async () => {
    ns = `specific-${++namespaces}`;
    const deployer = createKubernetesDeployer(config(ns, 'nowhere'));
    const error = await deployer.replicas().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployerError);
    expect((error as Error).message).toBe(
      `kubernetes deployer: listing Deployment ${ns}/nowhere: Deployment ${ns}/nowhere not found (404): deployments.apps "nowhere" not found`,
    );
    await expect(deployer.scaleTo(1, [], down)).rejects.toThrow(/not found \(404\)/);
    await deployer.close();
  });

  it('a forbidden call is a DeployerError that says which permissions are needed', async () => {
    const deployer = fresh();
    fake.deny('list pods');
    try {
      const error = await deployer.replicas().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployerError);
      expect((error as Error).message).toMatch(
        /forbidden \(403\): pods is forbidden: User .* cannot list resource "pods"/,
      );
      expect((error as Error).message).toMatch(
        /needs get and patch on deployments\/scale and list and patch on pods/,
      );
    } finally {
      // The server is shared by the file's tests.
      fake.allow('list pods');
    }
    await deployer.close();
  });

  it('a wrong token is a DeployerError, not a crash', async () => {
    ns = `specific-${++namespaces}`;
    fake.addWorkload('Deployment', ns, 'pool', { app: 'pool' });
    const dir = dirs.make('vigil-kube-bad-');
    const bad = join(dir, 'config');
    writeFileSync(
      bad,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: fake.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'autoscaler', user: { token: 'wrong' } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'autoscaler' } }],
        'current-context': 'fake',
      }),
    );
    const deployer = createKubernetesDeployer({ kubeconfig: bad, namespace: ns, name: 'pool' });
    await expect(deployer.replicas()).rejects.toThrow(/refused the credentials \(401\)/);
    await deployer.close();
  });

  it('createDeployer builds it from the configuration kind kubernetes', async () => {
    ns = `specific-${++namespaces}`;
    fake.addWorkload('Deployment', ns, 'pool', { app: 'pool' });
    const deployer = createDeployer({ kind: 'kubernetes', namespace: ns, name: 'pool', kubeconfig });
    expect(deployer.kind).toBe('kubernetes');
    await deployer.scaleTo(1, [], down);
    await waitForReplicas(deployer, 'one running', running(1), 5_000);
    await deployer.close();
  });

  it('a kubeconfig that cannot be read is a DeployerError at construction', () => {
    expect(() => createKubernetesDeployer({ kubeconfig: '/nonexistent/kubeconfig', name: 'pool' })).toThrow(
      DeployerError,
    );
  });
});
