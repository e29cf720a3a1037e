import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createProcessDeployer } from '../../../src/autoscaler/deployers/process.ts';
import { procStart, readRecords } from '../../../src/autoscaler/deployers/process-records.ts';
import { createKey, killAll, lines, tempDir, VigilProcess } from '../../cli/support.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { eventually } from '../../helpers/eventually.ts';
import { waitForReplicas } from './conformance.ts';

const EXAMPLES = resolve(fileURLToPath(new URL('../../../examples/adapters/', import.meta.url)));
const TARGET = 'hash-pool';

interface JobView {
  status: string;
  node_id: string | null;
}

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
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const db = join(dir, 'vigil.db');
    const coordinator = new VigilProcess(
      ['coordinator', '--port', '0', '--host', '127.0.0.1', '--database-url', db, '--log-format', 'json'],
      { cwd: dir },
    );
    const url = await coordinator.waitFor(({ stdout }) => {
      for (const line of lines(stdout)) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'coordinator listening') return entry.url;
      }
      return undefined;
    });
    const key = await createKey(db, 'operator');
    const api = async <T>(
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as T };
    };
    expect((await api('POST', '/topics', { name: 'hash', timeout_ms: 10_000 })).status).toBe(201);

    const stateDir = join(dir, 'autoscaler');
    const targetDir = join(stateDir, TARGET);
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
      stateDir,
      apiKey: key,
      log,
      worker: {
        coordinator_url: url,
        heartbeat_interval_ms: 300,
        claim_wait_ms: 1000,
        request_timeout_ms: 3000,
        drain_timeout_ms: 2000,
        topics: [
          {
            topic: 'hash',
            concurrency: 1,
            adapter: {
              kind: 'command',
              command: process.execPath,
              args: [join(EXAMPLES, 'sha256-chain.mjs')],
            },
          },
        ],
      },
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
    for (const node of ['hash-pool-1', 'hash-pool-2']) {
      await eventually(
        `${node} registered with a ready worker`,
        async () => {
          const view = await api<{ workers?: Array<{ state: string }> }>('GET', `/nodes/${node}`);
          return (
            view.status === 200 && view.body.workers?.some((w) => ['ready', 'working'].includes(w.state))
          );
        },
        45_000,
        200,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${workerLogs()}`);
      });
    }

    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const submitted = await api<{ job_id: string }>('POST', '/jobs', {
        topic: 'hash',
        payload: { data: `job ${i}`, rounds: 50 },
      });
      expect(submitted.status).toBe(201);
      ids.push(submitted.body.job_id);
    }
    const jobs = await eventually(
      'all jobs succeeded',
      async () => {
        const views = await Promise.all(
          ids.map(async (id) => (await api<JobView>('GET', `/jobs/${id}`)).body),
        );
        return views.every((v) => v.status === 'succeeded') ? views : undefined;
      },
      30_000,
      100,
    );
    for (const job of jobs) expect(['hash-pool-1', 'hash-pool-2']).toContain(job.node_id);

    const result = await deployer.scaleTo(1, ['hash-pool-2'], { drainTimeoutMs: 10_000 });
    expect(result.stopping).toEqual(['hash-pool-2']);
    // It drained within its time: no SIGKILL, and the coordinator heard it stop.
    expect(log.entries.filter((e) => /did not drain in time/.test(e.msg))).toEqual([]);
    const states = await api<{ states: Array<{ state: string }> }>(
      'GET',
      `/workers/${encodeURIComponent('hash-pool-2/main')}/states`,
    );
    expect(states.body.states[0]?.state).toBe('stopped');

    // A restarted autoscaler finds the one left, then empties the target.
    const again = createProcessDeployer(config);
    const left = await waitForReplicas(again, 'one replica', (rs) => rs.length === 1, 5_000);
    expect(left.map((r) => r.id)).toEqual(['hash-pool-1']);
    await again.scaleTo(0, [], { drainTimeoutMs: 10_000 });
    expect(await again.replicas()).toEqual([]);
    await again.close();
  });
});
