import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { createKey, lines, tempDir, VigilProcess } from '../../cli/support.ts';
import { eventually } from '../../helpers/eventually.ts';

/** The example sha256-chain adapter, run by the replicas' Node. */
export const SHA256_ADAPTER = resolve(
  fileURLToPath(new URL('../../../examples/adapters/sha256-chain.mjs', import.meta.url)),
);

/** A worker configuration with short waits, serving `hash` through the example adapter. */
export function hashWorker(coordinatorUrl: string): Record<string, unknown> {
  return {
    coordinator_url: coordinatorUrl,
    heartbeat_interval_ms: 300,
    claim_wait_ms: 1000,
    request_timeout_ms: 3000,
    drain_timeout_ms: 2000,
    topics: [
      {
        topic: 'hash',
        concurrency: 1,
        adapter: { kind: 'command', command: process.execPath, args: [SHA256_ADAPTER] },
      },
    ],
  };
}

export interface RealCoordinator {
  dir: string;
  url: string;
  /** An operator key: registers nodes, submits jobs, reads them. */
  key: string;
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Waits until each node is registered with a worker ready to claim. */
  nodesReady(nodes: readonly string[], timeoutMs: number, explain?: () => string): Promise<void>;
  /** Submits `count` hash jobs and waits for them all to succeed; returns the nodes that ran them. */
  runJobs(count: number, timeoutMs: number): Promise<string[]>;
  /** The state the coordinator last heard from a worker. */
  lastState(workerId: string): Promise<string | undefined>;
  cleanup(): void;
}

/**
 * A `vigil coordinator` process on a temporary SQLite database, with the `hash` topic; the
 * caller stops it with killAll() and removes its directory with cleanup().
 */
export async function startRealCoordinator(): Promise<RealCoordinator> {
  const { dir, cleanup } = tempDir();
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
  return {
    dir,
    url,
    key,
    api,
    async nodesReady(nodes, timeoutMs, explain = () => '') {
      for (const node of nodes) {
        await eventually(
          `${node} registered with a ready worker`,
          async () => {
            const view = await api<{ workers?: Array<{ state: string }> }>('GET', `/nodes/${node}`);
            return (
              view.status === 200 && view.body.workers?.some((w) => ['ready', 'working'].includes(w.state))
            );
          },
          timeoutMs,
          200,
        ).catch((error: Error) => {
          throw new Error(`${error.message}\n${explain()}`);
        });
      }
    },
    async runJobs(count, timeoutMs) {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
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
            ids.map(
              async (id) =>
                (await api<{ status: string; node_id: string | null }>('GET', `/jobs/${id}`)).body,
            ),
          );
          return views.every((v) => v.status === 'succeeded') ? views : undefined;
        },
        timeoutMs,
        100,
      );
      return jobs.map((j) => j.node_id ?? '');
    },
    async lastState(workerId) {
      const states = await api<{ states: Array<{ state: string }> }>(
        'GET',
        `/workers/${encodeURIComponent(workerId)}/states`,
      );
      // Newest first.
      return states.body.states[0]?.state;
    },
    cleanup,
  };
}
