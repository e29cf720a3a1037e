import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from '../../cli/support.ts';
import { eventually } from '../../helpers/eventually.ts';
import type { RealCoordinator } from '../deployers/real-network.ts';
import {
  autoscalerEnv,
  hashTarget,
  killReplicas,
  leaderGauge,
  liveRecords,
  type RunningAutoscalerProcess,
  startAutoscalerProcess,
  startRealCoordinator,
  workerProcesses,
} from './network.ts';

const DESIRED = 2;

/**
 * Two `vigil autoscaler` processes on one store: only the lease holder acts (its
 * `vigil_autoscaler_leader` is 1, the other's 0, at every look), so the pool is started once
 * and not twice; stopping the acting one hands the lease over at once, and the other goes on
 * deciding over the same replicas.
 */
describe('two autoscalers on one store', () => {
  let net: RealCoordinator | undefined;
  afterEach(async () => {
    await killAll();
    if (net !== undefined) await killReplicas(net);
    net?.cleanup();
    net = undefined;
  });

  it('never both act, and the one standing by takes over when the acting one stops', {
    timeout: 85_000,
  }, async () => {
    net = await startRealCoordinator();
    const n = net;
    // A lease of 9 s, contended every 3 s: a hand-over within a few seconds of the stop is the
    // released lease, not its expiry.
    const env = autoscalerEnv(
      n,
      [
        hashTarget(n, {
          min_replicas: DESIRED,
          max_replicas: DESIRED,
          policies: [{ kind: 'target', metric: 'topic.backlog', target: 8 }],
        }),
      ],
      { lease_ttl_ms: 9_000 },
    );
    const both = await Promise.all([startAutoscalerProcess(n, env), startAutoscalerProcess(n, env)]);
    const gauges = () => Promise.all(both.map((a) => leaderGauge(a.metricsUrl)));

    // One of them acts; over many looks (and many ticks) never both, never the pool doubled.
    await eventually('one acting', async () => (await gauges()).includes(1), 10_000, 100);
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      const seen = await gauges();
      expect(
        seen.filter((g) => g === 1),
        `leader gauges ${seen}`,
      ).toHaveLength(1);
      expect(workerProcesses(n).length).toBeLessThanOrEqual(DESIRED);
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually(
      `${DESIRED} replicas`,
      async () => (await liveRecords(n)).length === DESIRED,
      20_000,
      100,
    );
    const seen = await gauges();
    const acting = both[seen.indexOf(1)] as RunningAutoscalerProcess;
    const standing = both[seen.indexOf(0)] as RunningAutoscalerProcess;
    // Only the acting one ever said so in its log.
    expect(acting.proc.stdout).toMatch(/"msg":"autoscaler acting"/);
    expect(standing.proc.stdout).not.toMatch(/"msg":"autoscaler acting"/);
    const before = (await liveRecords(n)).map((r) => r.pid).sort();

    // A stopped autoscaler releases its lease: the other acts within a renewal, well before
    // the lease would have expired by itself.
    const stoppedAt = Date.now();
    await acting.proc.stop('SIGTERM', 15_000);
    await eventually(
      'the other acting',
      async () => (await leaderGauge(standing.metricsUrl)) === 1,
      10_000,
      50,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(7_000);
    await standing.proc.waitFor(({ stdout }) =>
      /"msg":"autoscaler acting"/.test(stdout) ? true : undefined,
    );

    // It decides on its own ticks now, over the same replicas: none started, none stopped.
    await eventually(
      'decisions by the new leader',
      async () => {
        const decisions = await n.api<{ decisions: Array<{ at_ms: number }> }>(
          'GET',
          `/autoscaler/decisions?since=${stoppedAt + 1_000}`,
        );
        return decisions.body.decisions.length >= 2;
      },
      15_000,
      200,
    );
    expect((await liveRecords(n)).map((r) => r.pid).sort()).toEqual(before);
    expect(workerProcesses(n)).toHaveLength(DESIRED);
    expect(standing.proc.stdout).not.toMatch(/"msg":"replica started"/);

    await standing.proc.stop('SIGTERM', 15_000);
  });
});
