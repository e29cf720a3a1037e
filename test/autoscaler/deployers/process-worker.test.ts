import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessDeployer } from '../../../src/autoscaler/deployers/process.ts';
import { procStart, readRecords } from '../../../src/autoscaler/deployers/process-records.ts';
import { killAll } from '../../cli/support.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { waitForReplicas } from './conformance.ts';
import { hashWorker, startRealCoordinator } from './real-network.ts';

const TARGET = 'hash-pool';

/**
 * The default command for real: a `vigil coordinator` process, and replicas that are real
 * `vigil worker` hosts started by the process deployer, registering their nodes with the API key
 * it passes, running jobs, and draining cleanly when scaled down.
 */
describe('process deployer with real vigil worker replicas', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await killAll();
  });

  it('starts workers that register and run jobs, and drains the one named on scale-down', {
    timeout: 90_000,
  }, async () => {
    const net = await startRealCoordinator();
    cleanups.push(net.cleanup);
    const targetDir = join(net.dir, 'autoscaler', TARGET);
    // Whatever happens, no replica outlives the test.
    cleanups.push(async () => {
      for (const record of await readRecords(targetDir)) {
        if (record.pid === null || (await procStart(record.pid)) !== record.proc_start) continue;
        try {
          process.kill(-record.pid, 'SIGKILL');
        } catch {}
      }
    });
    const log = captureLog();
    const config = {
      target: TARGET,
      stateDir: join(net.dir, 'autoscaler'),
      apiKey: net.key,
      log,
      worker: hashWorker(net.url),
    };
    const workerLogs = () =>
      ['hash-pool-1', 'hash-pool-2']
        .map((id) => join(targetDir, id, 'worker.log'))
        .filter((p) => existsSync(p))
        .map((p) => `${p}:\n${readFileSync(p, 'utf8')}`)
        .join('\n');

    const deployer = createProcessDeployer(config);
    cleanups.push(() => deployer.close());
    expect((await deployer.scaleTo(2, [], { drainTimeoutMs: 10_000 })).started).toEqual([
      'hash-pool-1',
      'hash-pool-2',
    ]);
    await net.nodesReady(['hash-pool-1', 'hash-pool-2'], 45_000, workerLogs);
    for (const node of await net.runJobs(4, 30_000)) expect(['hash-pool-1', 'hash-pool-2']).toContain(node);

    const result = await deployer.scaleTo(1, ['hash-pool-2'], { drainTimeoutMs: 10_000 });
    expect(result.stopping).toEqual(['hash-pool-2']);
    // It drained within its time: no SIGKILL, and the coordinator heard it stop.
    expect(log.entries.filter((e) => /did not drain in time/.test(e.msg))).toEqual([]);
    expect(await net.lastState('hash-pool-2/main')).toBe('stopped');

    // A restarted autoscaler finds the one left, then empties the target.
    const again = createProcessDeployer(config);
    const left = await waitForReplicas(again, 'one replica', (rs) => rs.length === 1, 5_000);
    expect(left.map((r) => r.id)).toEqual(['hash-pool-1']);
    await again.scaleTo(0, [], { drainTimeoutMs: 10_000 });
    expect(await again.replicas()).toEqual([]);
    await again.close();
  });
});
