import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../../../src/coordinator/server.ts';
import { silentLogger } from '../../../src/platform/log.ts';
import { describeEachBackend } from '../../helpers/backends.ts';

describeEachBackend('a running coordinator’s work distribution', (backend) => {
  let coordinator: RunningCoordinator | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await coordinator?.close();
    await cleanup?.();
    coordinator = undefined;
  });

  it('declares configured topics at start, queues jobs, and recovers expired leases on schedule', async () => {
    const target = await backend.url();
    const keyDir = mkdtempSync(join(tmpdir(), 'vigil-coordinator-key-'));
    cleanup = async () => {
      await target.cleanup();
      rmSync(keyDir, { recursive: true, force: true });
    };
    const config = loadConfig({
      env: {},
      flags: { port: 0, database_url: target.databaseUrl },
      profile: {
        auth: { signing_key_path: join(keyDir, 'coordinator.key') },
        queue: { recover_interval_ms: 50 },
        topics: [{ name: 'hash', max_attempts: 2 }],
      },
    });
    coordinator = await startCoordinator(config, { log: silentLogger });
    const reader = (await createApiKey(coordinator.store.db, 'read', 'test')).key;
    const topics = (await (
      await fetch(`${coordinator.url}/topics`, { headers: { authorization: `Bearer ${reader}` } })
    ).json()) as {
      topics: Array<{ name: string; source: string; max_attempts: number }>;
    };
    expect(topics.topics).toEqual([
      expect.objectContaining({ name: 'hash', source: 'config', max_attempts: 2 }),
    ]);

    const key = (await createApiKey(coordinator.store.db, 'tenant', 'acme')).key;
    const res = await fetch(`${coordinator.url}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic: 'hash', payload: { n: 1 } }),
    });
    expect(res.status).toBe(201);
    const { job_id } = (await res.json()) as { job_id: string };

    // A worker took the job and vanished: its lease ran out long ago.
    const db = coordinator.store.db;
    await db
      .updateTable('queue_items')
      .set({ state: 'leased', attempts: 1, lease_owner: 'gone', lease_token: 't-1', lease_expires_at: 1 })
      .where('id', '=', job_id)
      .execute();
    await db
      .updateTable('jobs')
      .set({ status: 'running', attempts: 1, lease_token: 't-1', worker_id: 'gone', started_at: 0 })
      .where('job_id', '=', job_id)
      .execute();
    await vi.waitFor(
      async () => {
        const job = await db
          .selectFrom('jobs')
          .select(['status', 'error'])
          .where('job_id', '=', job_id)
          .executeTakeFirst();
        expect(job?.status).toBe('queued');
        expect(job?.error).toContain('lease-expired');
      },
      { timeout: 10_000, interval: 50 },
    );
    const item = await db
      .selectFrom('queue_items')
      .select('state')
      .where('id', '=', job_id)
      .executeTakeFirst();
    expect(item?.state).toBe('ready');
  });
});
