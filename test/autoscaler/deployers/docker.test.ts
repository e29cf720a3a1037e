import { existsSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeployerError } from '../../../src/autoscaler/deployers/deployer.ts';
import {
  createDockerDeployer,
  type DockerDeployerConfig,
  NUMBER_LABEL,
  TARGET_LABEL,
} from '../../../src/autoscaler/deployers/docker.ts';
import { killAll } from '../../cli/support.ts';
import { makeNodes } from '../../coordinator/epochs/support.ts';
import { nodeWithWorker, useWorkApi } from '../../coordinator/jobs/support.ts';
import { backends } from '../../helpers/backends.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { startTestEngine } from '../../helpers/dockerd.ts';
import { autoscalerConfig, useAutoscalers } from '../support.ts';
import { describeDeployerConformance, waitForReplicas } from './conformance.ts';
import { hashWorker, startRealCoordinator } from './real-network.ts';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const BIN = resolve(ROOT, 'bin/vigil.js');

// A stand-in worker: drains at once on SIGTERM (the trap runs as soon as `wait` is interrupted),
// or, stubborn, ignores it so that only the engine's SIGKILL after the stop timeout ends it.
const STAND_IN = ['/bin/sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1 & wait $!; done"];
const STUBBORN = ['/bin/sh', '-c', "trap '' TERM; while true; do sleep 1; done"];

// The engine is the test's own, started once for the file (tens of seconds to stand up and
// import the image), and cleared between tests. Where it cannot run, every suite here is
// skipped with the reason in its title, except in CI, where a missing engine is a failure.
const started = await startTestEngine(TARGET_LABEL);
afterAll(async () => {
  await started.engine?.stop();
}, 60_000);
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const missingInCi = inCi && /not installed/.test(started.skip ?? '');
const skip = started.skip;

if (missingInCi) {
  describe('docker deployer in CI', () => {
    it('has dockerd and busybox-static (.ci/run installs them)', () => {
      throw new Error(started.skip ?? '');
    });
  });
}

let targets = 0;
function config(target: string, extra: Partial<DockerDeployerConfig> = {}): DockerDeployerConfig {
  const engine = started.engine;
  if (engine === null) throw new Error('no engine');
  return {
    target,
    socketPath: engine.socketPath,
    image: engine.image,
    command: STAND_IN,
    worker: { coordinator_url: 'http://127.0.0.1:9', topics: [{ topic: 'hash', concurrency: 2 }] },
    networkMode: 'none',
    ...extra,
  };
}

describeDeployerConformance('docker', {
  choosesVictims: true,
  skip,
  settleMs: 20_000,
  async setup() {
    const engine = started.engine;
    if (engine === null) throw new Error('no engine');
    const target = `pool-${++targets}`;
    return {
      make: async () => createDockerDeployer(config(target)),
      makeOther: async () => createDockerDeployer(config(`${target}-other`)),
      // A running container under a look-alike label value and name: not this target's.
      plantForeign: async () => {
        const name = `vigil-${target}-lookalike`;
        const created = await engine.api<{ Id: string }>('POST', `/containers/create?name=${name}`, {
          Image: engine.image,
          Cmd: STAND_IN,
          Labels: { [TARGET_LABEL]: `${target}-lookalike` },
          HostConfig: { NetworkMode: 'none' },
        });
        const id = created.json?.Id as string;
        await engine.api('POST', `/containers/${id}/start`);
        return async () =>
          (await engine.api<{ State: { Running: boolean } }>('GET', `/containers/${id}/json`)).json?.State
            .Running === true;
      },
      cleanup: () => engine.clear(),
    };
  },
});

describe.skipIf(skip !== null)(`docker deployer${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close();
    await started.engine?.clear();
  }, 60_000);
  const make = (c: DockerDeployerConfig) => {
    const d = createDockerDeployer(c);
    opened.push(d);
    return d;
  };
  const engine = () => {
    if (started.engine === null) throw new Error('no engine');
    return started.engine;
  };

  it('labels each container, gives it a volume of its own, its node id, the worker configuration and the API key', async () => {
    const target = `pool-${++targets}`;
    const deployer = make(
      config(target, { apiKey: 'vk_test', labels: { owner: 'ops' }, nodeIdPrefix: 'edge-' }),
    );
    const { started: names } = await deployer.scaleTo(2, [], { drainTimeoutMs: 2_000 });
    expect(names).toEqual([`vigil-${target}-1`, `vigil-${target}-2`]);
    for (const [i, name] of names.entries()) {
      const { json } = await engine().api<{
        Config: { Env: string[]; Labels: Record<string, string>; Cmd: string[] };
        HostConfig: { NetworkMode: string; RestartPolicy: { Name: string } };
        Mounts: Array<{ Type: string; Name: string; Destination: string }>;
      }>('GET', `/containers/${name}/json`);
      const env = Object.fromEntries(
        (json?.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
      );
      const worker = JSON.parse(env.VIGIL_WORKER_CONFIG_JSON as string);
      expect(worker).toEqual({
        coordinator_url: 'http://127.0.0.1:9',
        topics: [{ topic: 'hash', concurrency: 2 }],
        node_id: `edge-${i + 1}`,
        key_path: '/var/lib/vigil/node.key',
        data_dir: '/var/lib/vigil/worker',
      });
      expect(env.VIGIL_WORKER_API_KEY).toBe('vk_test');
      expect(json?.Config.Labels).toMatchObject({
        [TARGET_LABEL]: target,
        [NUMBER_LABEL]: String(i + 1),
        owner: 'ops',
      });
      expect(json?.Config.Cmd).toEqual(STAND_IN);
      expect(json?.HostConfig.NetworkMode).toBe('none');
      expect(json?.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
      expect(json?.Mounts).toEqual([
        expect.objectContaining({
          Type: 'volume',
          Name: `vigil-${target}-${i + 1}`,
          Destination: '/var/lib/vigil',
        }),
      ]);
    }
    // Scaled down and up again, number 2 comes back on the same volume: same node key, same outbox.
    await deployer.scaleTo(1, [`vigil-${target}-2`], { drainTimeoutMs: 2_000 });
    const { json: volume } = await engine().api<{ Labels: Record<string, string> }>(
      'GET',
      `/volumes/vigil-${target}-2`,
    );
    expect(volume?.Labels[TARGET_LABEL]).toBe(target);
    expect((await deployer.scaleTo(2, [], { drainTimeoutMs: 2_000 })).started).toEqual([`vigil-${target}-2`]);
  });

  it('has the engine SIGKILL a container that overruns its drain, and says so', async () => {
    const target = `pool-${++targets}`;
    const log = captureLog();
    const deployer = make(config(target, { command: STUBBORN, log }));
    await deployer.scaleTo(1, [], { drainTimeoutMs: 2_000 });
    await waitForReplicas(
      deployer,
      'one running',
      (rs) => rs.length === 1 && rs[0]?.state === 'running',
      20_000,
    );
    const t0 = Date.now();
    const result = await deployer.scaleTo(0, [`vigil-${target}-1`], { drainTimeoutMs: 1_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect(result.stopping).toEqual([`vigil-${target}-1`]);
    expect(await deployer.replicas()).toEqual([]);
    expect((await engine().api('GET', `/containers/vigil-${target}-1/json`)).status).toBe(404);
    const overran = log.entries.filter((e) => e.level === 'warn' && /did not drain in time/.test(e.msg));
    expect(overran.map((e) => e.fields.replica)).toEqual([`vigil-${target}-1`]);
  });

  it('stops a draining container within the drain time, with no warning', async () => {
    const target = `pool-${++targets}`;
    const log = captureLog();
    const deployer = make(config(target, { log }));
    await deployer.scaleTo(1, [], { drainTimeoutMs: 2_000 });
    await waitForReplicas(
      deployer,
      'one running',
      (rs) => rs.length === 1 && rs[0]?.state === 'running',
      20_000,
    );
    await deployer.scaleTo(0, [], { drainTimeoutMs: 10_000 });
    expect(log.entries.filter((e) => e.level === 'warn')).toEqual([]);
  });

  it('removes a container stopped behind its back and fills its place', async () => {
    const target = `pool-${++targets}`;
    const log = captureLog();
    const deployer = make(config(target, { log }));
    await deployer.scaleTo(2, [], { drainTimeoutMs: 2_000 });
    await waitForReplicas(
      deployer,
      'two running',
      (rs) => rs.filter((r) => r.state === 'running').length === 2,
      20_000,
    );
    await engine().api('POST', `/containers/vigil-${target}-1/stop?t=1`);
    expect((await deployer.replicas()).map((r) => r.id)).toEqual([`vigil-${target}-2`]);
    const { started: again } = await deployer.scaleTo(2, [], { drainTimeoutMs: 2_000 });
    expect(again).toEqual([`vigil-${target}-1`]);
    expect(log.entries.some((e) => /exited on its own/.test(e.msg))).toBe(true);
  });

  it('says what failed: an image it cannot pull, a command that cannot start, an engine it cannot reach', async () => {
    const target = `pool-${++targets}`;
    const missing = make(config(target, { image: '127.0.0.1:1/vigil-none:1' }));
    await expect(missing.scaleTo(1, [], { drainTimeoutMs: 1_000 })).rejects.toThrow(
      /docker deployer: scaling .* to 1: pulling 127\.0\.0\.1:1\/vigil-none:1/,
    );
    // A command that is not in the image: the container cannot start and is not left behind.
    const broken = make(config(target, { command: ['/no/such/program'] }));
    await expect(broken.scaleTo(1, [], { drainTimeoutMs: 1_000 })).rejects.toThrow(DeployerError);
    expect(await broken.replicas()).toEqual([]);
    const nowhere = make(config(target, { socketPath: '/nonexistent/docker.sock' }));
    const error = await nowhere.replicas().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployerError);
    expect((error as Error).message).toMatch(/engine unreachable at \/nonexistent\/docker\.sock/);
  });

  it('runs real vigil worker replicas in containers against a real coordinator, and drains one', {
    timeout: 120_000,
  }, async () => {
    const net = await startRealCoordinator();
    try {
      const target = `pool-${++targets}`;
      const log = captureLog();
      // The image is busybox: the host's Node, this checkout and the libraries Node links
      // against come in read-only, so the replicas run exactly the `vigil worker` under test.
      const node = realpathSync(process.execPath);
      const binds = [`${ROOT}:${ROOT}:ro`, '/usr/lib:/usr/lib:ro'];
      if (existsSync('/usr/lib64')) binds.push('/usr/lib64:/usr/lib64:ro');
      if (!node.startsWith(`${ROOT}/`)) binds.push(`${dirname(node)}:${dirname(node)}:ro`);
      const deployer = make(
        config(target, {
          command: [node, BIN, 'worker', '--log-format', 'json'],
          worker: hashWorker(net.url),
          apiKey: net.key,
          networkMode: 'host',
          binds,
          log,
        }),
      );
      const names = [`vigil-${target}-1`, `vigil-${target}-2`];
      expect((await deployer.scaleTo(2, [], { drainTimeoutMs: 10_000 })).started).toEqual(names);
      const logs = () => `deployer log: ${JSON.stringify(log.entries)}`;
      await net.nodesReady([`${target}-1`, `${target}-2`], 60_000, logs);
      for (const ran of await net.runJobs(4, 30_000)) expect([`${target}-1`, `${target}-2`]).toContain(ran);
      const t0 = Date.now();
      await deployer.scaleTo(1, [names[1] as string], { drainTimeoutMs: 10_000 });
      // Stopped by its own drain on SIGTERM, well before the engine's SIGKILL.
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(log.entries.filter((e) => /did not drain in time/.test(e.msg))).toEqual([]);
      expect(await net.lastState(`${target}-2/main`)).toBe('stopped');
      expect((await deployer.replicas()).map((r) => r.id)).toEqual([names[0]]);
      await deployer.scaleTo(0, [], { drainTimeoutMs: 10_000 });
    } finally {
      await killAll();
      net.cleanup();
    }
  });
});

describe.skipIf(skip !== null)(
  `docker deployer under the autoscaler${skip === null ? '' : ` (skipped: ${skip})`}`,
  () => {
    // The autoscaler's store is in process (SQLite); the containers are stand-ins on the real engine.
    const api = useWorkApi(backends[0]!);
    const { start, acting } = useAutoscalers(api);
    afterEach(async () => {
      await started.engine?.clear();
    }, 60_000);

    it('scales down by the containers’ nodes: keeps the busy one, stops the idle one and deregisters its node', {
      timeout: 60_000,
    }, async () => {
      const target = `pool-${++targets}`;
      // Nodes `<target>-01` and `<target>-02`, as the deployer names replicas 1 and 2's nodes.
      const [, first, second] = makeNodes(3, target);
      const deployer = createDockerDeployer(config(target, { nodeIdPrefix: `${target}-0` }));
      await deployer.scaleTo(2, [], { drainTimeoutMs: 2_000 });
      await waitForReplicas(
        deployer,
        'two running',
        (rs) => rs.filter((r) => r.state === 'running').length === 2,
        20_000,
      );
      expect((await deployer.replicas()).map((r) => [r.id, r.node_id])).toEqual([
        [`vigil-${target}-1`, first!.id],
        [`vigil-${target}-2`, second!.id],
      ]);
      // Replica 1's node is busy; by name and age alone replica 1 would be the one to go.
      const busy = await nodeWithWorker(api(), first!);
      await nodeWithWorker(api(), second!);
      await api()
        .store.db.updateTable('workers')
        .set({ busy_slots: 1 })
        .where('worker_id', '=', busy.workerId)
        .execute();

      const pool = {
        name: target,
        topic: 'hash',
        min_replicas: 1,
        max_replicas: 2,
        deployer: { kind: 'docker', image: 'unused' },
        policies: [{ kind: 'target', metric: 'topic.backlog', target: 10 }],
        scale_down: { stabilization_s: 0 },
      };
      const { autoscaler } = start(api(), autoscalerConfig([pool], { queue_poll_ms: 60_000 }), { deployer });
      await acting(autoscaler);
      // Stopping the autoscaler closes its deployer; a new one reads the same containers.
      await autoscaler.stop();
      const after = createDockerDeployer(config(target));
      expect((await after.replicas()).map((r) => r.id)).toEqual([`vigil-${target}-1`]);
      await after.close();
      const nodes = await api()
        .store.db.selectFrom('nodes')
        .select(['node_id', 'state'])
        .where('node_id', 'in', [first!.id, second!.id])
        .orderBy('node_id')
        .execute();
      expect(nodes).toEqual([
        { node_id: first!.id, state: 'active' },
        { node_id: second!.id, state: 'deleted' },
      ]);
    });
  },
);
