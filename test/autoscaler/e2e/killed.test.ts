import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll } from '../../cli/support.ts';
import { eventually } from '../../helpers/eventually.ts';
import type { RealCoordinator } from '../deployers/real-network.ts';
import {
  autoscalerEnv,
  hashTarget,
  killReplicas,
  liveRecords,
  type RunningAutoscalerProcess,
  startAutoscalerProcess,
  startRealCoordinator,
  TARGET,
  workerProcesses,
} from './network.ts';

const DESIRED = 3;

/**
 * A `vigil autoscaler` SIGKILLed in the middle of starting replicas, and another started on
 * the same store and state_dir: the second takes over once the first one's lease expires,
 * reads back what the first left (records, processes) and completes the pool to the desired
 * count, never starting a second replica in a place one already runs.
 */
describe('an autoscaler killed mid-scale and started again', () => {
  let net: RealCoordinator | undefined;
  afterEach(async () => {
    await killAll();
    if (net !== undefined) await killReplicas(net);
    net?.cleanup();
    net = undefined;
  });

  // Two moments to kill it: as the first replica's number is claimed (before or around its
  // spawn), and as the first replica is recorded started (the others still to come).
  const killWhen = {
    'its first replica is being claimed': (_a: RunningAutoscalerProcess, targetDir: string) =>
      eventually('a replica being started', () => existsSync(join(targetDir, `${TARGET}-1`)), 20_000, 2),
    'its first replica has started': (a: RunningAutoscalerProcess) =>
      a.proc.waitFor(({ stdout }) => (/"msg":"replica started"/.test(stdout) ? true : undefined), 20_000),
  };

  it.each(Object.keys(killWhen) as Array<keyof typeof killWhen>)(
    'killed when %s, it converges to the desired count without duplicate replicas',
    { timeout: 85_000 },
    async (moment) => {
      net = await startRealCoordinator();
      const n = net;
      const targetDir = join(n.dir, 'autoscaler', TARGET);
      // Three replicas whatever the load: the minimum, asked for in one scale-up at the first tick.
      const target = hashTarget(n, {
        min_replicas: DESIRED,
        max_replicas: DESIRED,
        policies: [{ kind: 'target', metric: 'topic.backlog', target: 8 }],
      });
      const env = autoscalerEnv(n, [target]);

      const first = await startAutoscalerProcess(n, env);
      // Killed mid-way through the scale-up.
      await killWhen[moment](first, targetDir);
      first.proc.child.kill('SIGKILL');
      await first.proc.exited;
      const leftBehind = workerProcesses(n).length;
      expect(leftBehind).toBeLessThanOrEqual(DESIRED);

      const second = await startAutoscalerProcess(n, env);
      const settled = async () => {
        const records = await liveRecords(n);
        const workers = workerProcesses(n);
        return records.length === DESIRED && workers.length === DESIRED ? { records, workers } : undefined;
      };
      await eventually(`${DESIRED} replicas recorded and running`, settled, 60_000, 100).catch(
        (error: Error) => {
          throw new Error(
            `${error.message}: ${workerProcesses(n).length} workers\n${second.proc.output()}\n${first.proc.output()}`,
          );
        },
      );

      // And it stays so over several ticks: no replica started in excess, none stopped.
      await new Promise((r) => setTimeout(r, 3_000));
      const { records, workers } = (await settled()) ?? { records: [], workers: [] };
      expect(records.map((r) => r.id).sort(), second.proc.output()).toEqual([
        `${TARGET}-1`,
        `${TARGET}-2`,
        `${TARGET}-3`,
      ]);
      // The processes running are exactly the recorded ones, one per replica directory.
      expect(workers.map((w) => w.pid).sort()).toEqual(records.map((r) => r.pid).sort());
      expect(workers.map((w) => basename(w.dir)).sort()).toEqual(records.map((r) => r.id).sort());
      // And the coordinator sees those three nodes with a worker ready, one each.
      await n.nodesReady(
        records.map((r) => r.id),
        30_000,
      );

      await second.proc.stop('SIGTERM', 15_000);
    },
  );
});
