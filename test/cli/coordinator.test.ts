import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.ts';
import {
  call,
  createKey,
  eventually,
  killAll,
  lines,
  portOpen,
  runVigil,
  startCoordinator,
} from './support.ts';

interface NodeList {
  nodes: Array<{ node_id: string; status: { last_heartbeat_at: string | null; busy_slots: number | null } }>;
}

describeEachBackend('vigil coordinator', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await killAll();
    await cleanup?.();
    cleanup = undefined;
  });

  it('serves the API on port 0, collects SLA metrics, stops on SIGTERM and keeps its data', async () => {
    const target = await backend.url();
    cleanup = target.cleanup;
    const db = target.databaseUrl;

    // Uptime judges whole time slices only; 1 s slices let one heartbeat count within a second.
    const env = { VIGIL_SLA__SLICE_S: '1' };
    // Port 0 picks a free port; the JSON log line 'coordinator listening' says which.
    const first = await startCoordinator(db, env);
    const base = first.url;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(base).port).not.toBe('0');

    const ready = await eventually('/readyz', async () => {
      const r = await call(base, 'GET', '/readyz');
      return r.status === 200 ? r : undefined;
    });
    expect(ready.body).toEqual({ status: 'ready', database: backend.name });

    // A key made by the CLI against the same database works on the running coordinator.
    const key = await createKey(db, 'operator');
    const node = { node_id: 'cli-node-1', operator: 'cli-test', topics: ['inference'], max_parallel: 4 };
    expect((await call(base, 'POST', '/nodes', { body: node })).status).toBe(401);
    expect((await call(base, 'POST', '/nodes', { key, body: node })).status).toBe(201);

    const beat = await call(base, 'POST', '/nodes/cli-node-1/heartbeat', {
      key,
      body: { busy_slots: 1, queue_length: 3, version: '1.0.0' },
    });
    expect(beat.status).toBe(202);

    const now = Date.now();
    const outcomes = await call(base, 'POST', '/outcomes', {
      key,
      body: [1, 2, 3].map((i) => ({
        job_id: `cli-job-${i}`,
        node_id: 'cli-node-1',
        topic: 'inference',
        status: i === 3 ? 'failure' : 'success',
        started_at: new Date(now - 10_000 * i).toISOString(),
        finished_at: now - 10_000 * i + 200 * i,
      })),
    });
    expect(outcomes.status).toBe(200);
    expect(outcomes.body).toEqual({ accepted: 3, duplicates: 0 });

    // Collect on demand until the heartbeat's slice is over and uptime has a value.
    const collected = await eventually(
      'an uptime reading',
      async () => {
        const r = await call(base, 'POST', '/sla/metrics/collect', { key });
        expect(r.status).toBe(200);
        const m = await call(base, 'GET', '/sla/metrics/cli-node-1?hours=1', { key });
        const readings = m.body as Array<{ metric_type: string; metric_value: number | null }>;
        return readings.some((x) => x.metric_type === 'uptime_pct' && x.metric_value !== null)
          ? r
          : undefined;
      },
      10_000,
      300,
    );
    expect(collected.body).toMatchObject({ nodes_processed: 1, capacity: { total_nodes: 1 } });
    expect((collected.body as { metrics_collected: number }).metrics_collected).toBeGreaterThan(0);

    const status = await call(base, 'GET', '/sla/status', { key });
    expect(status.status).toBe(200);
    const lastCollection = (status.body as { last_collection_at: string | null }).last_collection_at;
    expect(lastCollection).toMatch(/^\d{4}-\d\d-\d\dT/);

    const metrics = await call(base, 'GET', '/metrics', { key });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^vigil_sla_uptime_pct\{node_id="cli-node-1"\} [\d.]+$/m);
    expect(metrics.text).toMatch(/^vigil_sla_response_time_seconds\{node_id="cli-node-1"[^}]*\} [\d.e-]+$/m);
    expect(metrics.text).toMatch(/^vigil_sla_completion_rate_pct\{node_id="cli-node-1"\} [\d.]+$/m);
    expect(metrics.text).toMatch(/^vigil_sla_capacity_availability_pct [\d.]+$/m);

    // SIGTERM: a clean exit 0 within a few seconds, and the port is released.
    const stopped = await first.proc.stop('SIGTERM', 5_000);
    expect(stopped, first.proc.output()).toMatchObject({ code: 0, signal: null });
    expect(await portOpen(Number(new URL(base).port))).toBe(false);
    expect(first.proc.stderr).toBe('');
    const logged = lines(first.proc.stdout).map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(logged.map((entry) => entry.msg)).toContain('shutting down');
    expect(logged.filter((entry) => ['error', 'fatal'].includes(entry.level))).toEqual([]);

    // Started again on the same database, configured through VIGIL_PORT and VIGIL_DATABASE_URL.
    const second = await startCoordinator(db, env, true);
    const again = await call(second.url, 'GET', '/nodes', { key });
    expect(again.status).toBe(200);
    const listed = (again.body as NodeList).nodes;
    expect(listed.map((n) => n.node_id)).toEqual(['cli-node-1']);
    // The heartbeat taken just before the shutdown was written, not lost in a buffer.
    expect(listed[0]!.status.last_heartbeat_at).not.toBeNull();
    expect(listed[0]!.status.busy_slots).toBe(1);
    const statusAgain = await call(second.url, 'GET', '/sla/status', { key });
    expect((statusAgain.body as { last_collection_at: string | null }).last_collection_at).toBe(
      lastCollection,
    );
    // The key still works after the restart, and the outcomes are idempotent across it.
    const resent = await call(second.url, 'POST', '/outcomes', {
      key,
      body: {
        job_id: 'cli-job-1',
        node_id: 'cli-node-1',
        topic: 'inference',
        status: 'success',
        started_at: now - 10_000,
        finished_at: now - 9_800,
      },
    });
    expect(resent.body).toEqual({ accepted: 0, duplicates: 1 });

    const stoppedAgain = await second.proc.stop('SIGTERM', 5_000);
    expect(stoppedAgain, second.proc.output()).toMatchObject({ code: 0, signal: null });
  }, 60_000);

  if (backend.name === 'sqlite') {
    it('exits 1 with a one-line message when its port is taken, having created nothing', async () => {
      const target = await backend.url();
      cleanup = target.cleanup;
      const blocker: Server = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      try {
        const port = (blocker.address() as { port: number }).port;
        const keyPath = join(dirname(target.databaseUrl), 'never-made.key');
        const result = await runVigil(
          [
            'coordinator',
            '--port',
            String(port),
            '--database-url',
            target.databaseUrl,
            '--log-level',
            'silent',
          ],
          { env: { VIGIL_AUTH__SIGNING_KEY_PATH: keyPath } },
        );
        expect(result.code).toBe(1);
        expect(lines(result.stderr)).toEqual([
          `vigil: port ${port} on 127.0.0.1 is already in use; stop what holds it or choose another --port`,
        ]);
        expect(existsSync(keyPath)).toBe(false);
      } finally {
        await new Promise((resolve) => blocker.close(resolve));
      }
    });
  }
});
