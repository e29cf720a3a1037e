import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../../../src/coordinator/server.ts';
import { silentLogger } from '../../../src/platform/log.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { type Receiver, startReceiver } from '../alerts/receiver.ts';

async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeEachBackend('a running coordinator', (backend) => {
  let coordinator: RunningCoordinator | undefined;
  let receiver: Receiver | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await coordinator?.close();
    await receiver?.close();
    await cleanup?.();
  });

  it('serves real HTTP, collects on schedule and delivers violation alerts to a webhook and Alertmanager', async () => {
    receiver = await startReceiver();
    const target = await backend.url();
    // The coordinator creates its signing key at start: keep it out of the checkout.
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
        sla: { collection_interval_s: 1, slice_s: 1, uptime_window_s: 60, liveness_timeout_s: 5 },
        alerts: {
          webhooks: [
            { url: `${receiver.url}/hook`, format: 'json', headers: { authorization: 'Bearer hook-secret' } },
          ],
          alertmanager_url: `${receiver.url}/am`,
          dispatch_interval_ms: 50,
          initial_backoff_ms: 10,
          max_backoff_ms: 100,
        },
      },
    });
    coordinator = await startCoordinator(config, { log: silentLogger });
    const key = (await createApiKey(coordinator.store.db, 'operator', 'test')).key;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    // A node with one slot, fully busy: the fleet has no free capacity, a high violation.
    const reg = await fetch(`${coordinator.url}/nodes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ node_id: 'busy-1', max_parallel: 1 }),
    });
    expect(reg.status).toBe(201);
    const beat = await fetch(`${coordinator.url}/nodes/busy-1/heartbeat`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ busy_slots: 1, queue_length: 7 }),
    });
    expect(beat.status).toBe(202);

    // The fleet's utilisation (100 %) fires a capacity alert too, to the same receivers in
    // requests of its own: look for the violation's.
    type HookBody = { events: Array<{ kind: string; metric?: string; severity: string }> };
    const violationOpened = (r: { path: string; body: string }) =>
      r.path === '/hook' &&
      (JSON.parse(r.body) as HookBody).events.some(
        (e) =>
          e.kind === 'violation_opened' && e.metric === 'capacity_availability_pct' && e.severity === 'high',
      );
    const hook = await waitFor(() => receiver?.requests.find(violationOpened));
    expect(hook.headers.authorization).toBe('Bearer hook-secret');
    const capacityAlert = await waitFor(() =>
      receiver?.requests.find(
        (r) =>
          r.path === '/hook' &&
          (JSON.parse(r.body) as HookBody).events.some((e) => e.kind === 'capacity_alert_fired'),
      ),
    );
    expect(capacityAlert.headers.authorization).toBe('Bearer hook-secret');
    const am = await waitFor(() =>
      receiver?.requests.find(
        (r) =>
          r.path === '/am/api/v2/alerts' &&
          (JSON.parse(r.body) as Array<{ labels: Record<string, string> }>).some(
            (a) => a.labels.metric === 'capacity_availability_pct' && a.labels.severity === 'high',
          ),
      ),
    );
    expect(am.path).toBe('/am/api/v2/alerts');

    const status = (await (await fetch(`${coordinator.url}/sla/status`, { headers })).json()) as {
      status: string;
    };
    expect(status.status).toBe('degraded');
    const delivered = await coordinator.store.db
      .selectFrom('outbox')
      .select(['channel', 'state'])
      .where('state', '=', 'delivered')
      .execute();
    expect(delivered.length).toBeGreaterThanOrEqual(2);
  });
});
