import { afterEach, describe, expect, it } from 'vitest';
import { exportPublicKey, generateKeyPair } from '../../src/core/crypto/index.ts';
import { DataDirInUseError } from '../../src/worker/outbox-file.ts';
import { eventually } from '../helpers/eventually.ts';
import { metricValue } from '../helpers/metric-value.ts';
import { echo, harnesses, setJobBehaviour, testModuleAdapter } from './support/harness.ts';

describe('starting a worker host', () => {
  const h = harnesses();
  afterEach(() => h.cleanup());

  it('registers the node with VIGIL_WORKER_API_KEY before its first sync', async () => {
    setJobBehaviour(echo);
    const t = await h.make({ topics: [{ name: 'hash' }], registered: false });
    await t.start(t.config({ topics: [{ topic: 'hash', adapter: testModuleAdapter }] }), {
      env: { VIGIL_WORKER_API_KEY: 'node-api-key' },
    });
    const job = t.fake.submit('hash', { n: 1 });
    await eventually('job done', () => job.status === 'succeeded');
    const registration = t.fake.requests.find((r) => r.route === 'nodes')!.body as Record<string, unknown>;
    expect(registration).toMatchObject({ node_id: t.nodeId, max_parallel: 1 });
    // Where the node is reached is its agent's to register: the worker leaves it out.
    expect(Object.keys(registration).sort()).toEqual(['max_parallel', 'node_id', 'public_key']);
    expect(t.fake.requests[0]!.route).toBe('nodes');
    expect(t.fake.refusals).toEqual([]);
  });

  it('refuses to start when another key holds the node id', async () => {
    const t = await h.make({ registered: false });
    t.fake.setKey(t.nodeId, exportPublicKey(generateKeyPair().publicKey));
    await expect(t.start(t.config(), { env: { VIGIL_WORKER_API_KEY: 'node-api-key' } })).rejects.toThrow(
      /registered with another public key/,
    );
  });

  it('keeps trying when the API key is refused (an operator can fix it), syncs refused meanwhile', async () => {
    const t = await h.make({ registered: false });
    await t.start(t.config(), { env: { VIGIL_WORKER_API_KEY: 'wrong-key' } });
    await eventually('syncs refused', () => t.fake.refusals.filter((r) => r === 'unknown-key').length >= 2);
    expect(t.log.entries.some((e) => e.msg.startsWith('could not register the node yet'))).toBe(true);
  });

  it('serves /metrics and /status on metrics_port', async () => {
    setJobBehaviour(echo);
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const host = await t.start(
      t.config({ metrics_port: 0, topics: [{ topic: 'hash', adapter: testModuleAdapter }] }),
    );
    expect(host.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const job = t.fake.submit('hash', {});
    await eventually('job done', () => job.status === 'succeeded');
    await eventually('result delivered', () => host.status().outbox.results === 0);
    const text = await (await fetch(`${host.metricsUrl}/metrics`)).text();
    expect(metricValue(text, 'vigil_worker_jobs_claimed_total', 'topic="hash"')).toBe(1);
    expect(metricValue(text, 'vigil_worker_submissions_total', 'kind="results"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'vigil_worker_busy_slots', 'topic="hash"')).toBe(0);
    expect(metricValue(text, 'vigil_worker_outbox_depth', 'kind="results"')).toBe(0);
    const status = (await (await fetch(`${host.metricsUrl}/status`)).json()) as {
      node_id: string;
      workers: Array<{ worker_id: string; state: string }>;
    };
    expect(status.node_id).toBe(t.nodeId);
    expect(status.workers[0]!.worker_id).toBe(`${t.nodeId}/main`);
  });

  it('refuses a second host on the same data directory', async () => {
    const t = await h.make();
    await t.start(t.config());
    await expect(t.start(t.config())).rejects.toBeInstanceOf(DataDirInUseError);
  });
});
