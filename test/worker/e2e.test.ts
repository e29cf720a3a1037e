import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createKey, killAll, lines, tempDir, VigilProcess } from '../cli/support.ts';
import { eventually } from '../helpers/eventually.ts';

const EXAMPLES = resolve(fileURLToPath(new URL('../../examples/adapters/', import.meta.url)));

// A command adapter that takes as long as the payload says and notes each start in a file,
// so the test knows a run is under way when it kills the worker.
const SLOW_ADAPTER = `import { appendFileSync } from 'node:fs';
let text = '';
for await (const chunk of process.stdin) text += chunk;
const input = JSON.parse(text);
appendFileSync(process.env.STARTED_LOG, 'started\\n');
await new Promise((resolve) => setTimeout(resolve, input.sleep_ms));
process.stdout.write(JSON.stringify({ slept_ms: input.sleep_ms }) + '\\n');
`;

function sha256Chain(data: string, rounds: number): string {
  let digest = createHash('sha256').update(data, 'utf8').digest();
  for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

interface JobView {
  job_id: string;
  status: string;
  attempts: number;
  node_id: string | null;
  worker_id: string | null;
  result: unknown;
}

/**
 * The real thing: a `vigil coordinator` process on a temporary SQLite database with short
 * leases, and `vigil worker` processes (each a node of its own) registering with an operator
 * key, claiming, running command adapters and reporting.
 */
describe('vigil worker against a real coordinator', () => {
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await killAll();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function network() {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const db = join(dir, 'vigil.db');
    const coordinator = new VigilProcess(
      ['coordinator', '--port', '0', '--host', '127.0.0.1', '--database-url', db, '--log-format', 'json'],
      {
        cwd: dir,
        env: { VIGIL_QUEUE__LEASE_MS: '1500', VIGIL_QUEUE__RECOVER_INTERVAL_MS: '200' },
      },
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
    const worker = (name: string, topics: unknown[]) => {
      const home = join(dir, name);
      const config = {
        coordinator_url: url,
        key_path: join(home, 'node.key'),
        data_dir: join(home, 'data'),
        heartbeat_interval_ms: 300,
        claim_wait_ms: 1000,
        request_timeout_ms: 3000,
        retry_delay_ms: 50,
        drain_timeout_ms: 2000,
        outbox_max_backoff_ms: 500,
        topics,
      };
      // Its own process group: SIGKILL takes the adapter's process down with it, as a lost machine.
      return new VigilProcess(['worker', '--log-format', 'json'], {
        cwd: dir,
        group: true,
        env: {
          VIGIL_WORKER_CONFIG_JSON: JSON.stringify(config),
          VIGIL_WORKER_API_KEY: key,
          STARTED_LOG: join(dir, 'started.log'),
        },
      });
    };
    const started = (proc: VigilProcess) =>
      proc.waitFor(({ stdout }) => (stdout.includes('"worker host started"') ? true : undefined));
    return { dir, db, api, worker, started };
  }

  it('runs submitted jobs through a worker and records their results', async () => {
    const net = await network();
    expect((await net.api('POST', '/topics', { name: 'hash', timeout_ms: 10_000 })).status).toBe(201);
    const worker = net.worker('a', [
      {
        topic: 'hash',
        concurrency: 2,
        adapter: { kind: 'command', command: process.execPath, args: [join(EXAMPLES, 'sha256-chain.mjs')] },
      },
    ]);
    await net.started(worker);
    const payloads = Array.from({ length: 4 }, (_, i) => ({ data: `job ${i}`, rounds: 100 + i }));
    const ids: string[] = [];
    for (const payload of payloads) {
      const submitted = await net.api<{ job_id: string }>('POST', '/jobs', { topic: 'hash', payload });
      expect(submitted.status).toBe(201);
      ids.push(submitted.body.job_id);
    }
    const jobs = await eventually(
      'all jobs succeeded',
      async () => {
        const views = await Promise.all(
          ids.map(async (id) => (await net.api<JobView>('GET', `/jobs/${id}`)).body),
        );
        return views.every((v) => v.status === 'succeeded') ? views : undefined;
      },
      20_000,
    );
    jobs.forEach((job, i) => {
      expect(job.result).toEqual({
        digest: sha256Chain(payloads[i]!.data, payloads[i]!.rounds),
        rounds: payloads[i]!.rounds,
      });
      expect(job.worker_id).toMatch(/^node-[0-9a-f]{16}\/main$/);
      expect(job.attempts).toBe(1);
    });
    const nodeId = jobs[0]!.node_id!;
    const node = await net.api<{ lifecycle: { state: string }; workers: Array<{ state: string }> }>(
      'GET',
      `/nodes/${nodeId}`,
    );
    expect(['ready', 'working']).toContain(node.body.lifecycle.state);

    const { code } = await worker.stop('SIGTERM');
    expect(code).toBe(0);
    // Nothing went wrong on the way: no warning or error in the worker's log but the new key's,
    // and that its node, with no agent here, cannot be audited by peers.
    const complaints = lines(worker.stdout)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string })
      .filter(
        (e) =>
          ['warn', 'error', 'fatal'].includes(e.level) &&
          !e.msg.startsWith('created a node key') &&
          !/peers cannot audit it/.test(e.msg),
      );
    expect(complaints).toEqual([]);
    const states = await net.api<{ states: Array<{ state: string }> }>(
      'GET',
      `/workers/${encodeURIComponent(jobs[0]!.worker_id!)}/states`,
    );
    // Newest first: the last thing the worker said is that it stopped.
    expect(states.body.states[0]!.state).toBe('stopped');
  });

  it('re-runs a job whose worker was SIGKILLed mid-run on another worker, with one success recorded', async () => {
    const net = await network();
    writeFileSync(join(net.dir, 'slow.mjs'), SLOW_ADAPTER);
    expect(
      (await net.api('POST', '/topics', { name: 'slow', timeout_ms: 20_000, max_attempts: 3 })).status,
    ).toBe(201);
    const topics = [
      {
        topic: 'slow',
        adapter: { kind: 'command', command: process.execPath, args: [join(net.dir, 'slow.mjs')] },
      },
    ];
    const first = net.worker('a', topics);
    await net.started(first);
    const submitted = await net.api<{ job_id: string }>('POST', '/jobs', {
      topic: 'slow',
      payload: { sleep_ms: 2500 },
    });
    const id = submitted.body.job_id;
    const running = await eventually('running on the first worker', async () => {
      const view = (await net.api<JobView>('GET', `/jobs/${id}`)).body;
      return view.status === 'running' ? view : undefined;
    });
    await eventually('its adapter started', () => {
      try {
        return readFileSync(join(net.dir, 'started.log'), 'utf8').length > 0;
      } catch {
        return false;
      }
    });
    first.kill();
    await first.exited;

    const second = net.worker('b', topics);
    await net.started(second);
    const done = await eventually(
      'succeeded on the second worker',
      async () => {
        const view = (await net.api<JobView>('GET', `/jobs/${id}`)).body;
        return view.status === 'succeeded' ? view : undefined;
      },
      20_000,
    );
    expect(done.node_id).not.toBe(running.node_id);
    expect(done.worker_id).not.toBe(running.worker_id);
    expect(done.result).toEqual({ slept_ms: 2500 });
    expect(done.attempts).toBe(2);

    const store = new DatabaseSync(net.db, { readOnly: true });
    try {
      const outcomes = store
        .prepare('SELECT job_id, node_id, status FROM job_outcomes WHERE job_id LIKE ? ORDER BY job_id')
        .all(`${id}:%`) as Array<{ job_id: string; node_id: string; status: string }>;
      expect(outcomes.filter((o) => o.status === 'success')).toEqual([
        { job_id: `${id}:2`, node_id: done.node_id, status: 'success' },
      ]);
      // The killed attempt ended by its lease, once, as the first node's failure.
      expect(outcomes.filter((o) => o.status !== 'success')).toEqual([
        expect.objectContaining({ job_id: `${id}:1`, node_id: running.node_id }),
      ]);
    } finally {
      store.close();
    }
  });
});
