import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { metricValue } from '../helpers/metric-value.ts';
import { echo, harnesses, setJobBehaviour, testModuleAdapter } from './support/harness.ts';

describe('a coordinator that accepts connections but never answers', () => {
  const h = harnesses();
  afterEach(() => h.cleanup());

  it('times the calls out, reconnects on a fresh connection, and works on once it answers', async () => {
    setJobBehaviour(echo);
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const host = await t.start(
      t.config({
        request_timeout_ms: 300,
        claim_wait_ms: 200,
        topics: [{ topic: 'hash', adapter: testModuleAdapter }],
      }),
    );
    const first = t.fake.submit('hash', { n: 1 });
    await eventually('first job done', () => first.status === 'succeeded');

    t.fake.setSilent(true);
    const connectionsBefore = t.fake.connections;
    await eventually('a reconnect', () => host.status().reconnects >= 1);
    // Every call is held unanswered on its connection: the later ones went out on new ones.
    await eventually('new connections', () => t.fake.connections > connectionsBefore);
    expect(t.log.entries.some((e) => e.msg.startsWith('reconnecting to the coordinator'))).toBe(true);

    t.fake.setSilent(false);
    const second = t.fake.submit('hash', { n: 2 });
    await eventually('second job done', () => second.status === 'succeeded');
    expect(second.result).toEqual({ echo: { n: 2 } });
    const reconnects = metricValue(await host.registry.metrics(), 'vigil_worker_reconnects_total');
    expect(reconnects).toBe(host.status().reconnects);
    expect(reconnects).toBeGreaterThanOrEqual(1);
  });
});
