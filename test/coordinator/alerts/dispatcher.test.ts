import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type AlertsConfig, webhookChannel } from '../../../src/coordinator/alerts/config.ts';
import {
  type AlertDispatcherOptions,
  createAlertDispatcher,
} from '../../../src/coordinator/alerts/dispatcher.ts';
import type { AlertmanagerAlert } from '../../../src/coordinator/alerts/format-alertmanager.ts';
import { enqueueAlerts } from '../../../src/coordinator/alerts/outbox.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { firing, openedEvent, resolvedEvent, T0 } from './fixtures.ts';
import { type Receiver, type Responder, startReceiver } from './receiver.ts';

interface LogEntry {
  level: string;
  obj: object;
  msg: string;
}

function memoryLog() {
  const entries: LogEntry[] = [];
  const at = (level: string) => (obj: object, msg: string) => void entries.push({ level, obj, msg });
  return { entries, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

function alertsConfig(over: Partial<AlertsConfig> = {}): AlertsConfig {
  return {
    webhooks: [],
    alertmanager_url: null,
    timeout_ms: 2000,
    max_attempts: 10,
    initial_backoff_ms: 10,
    max_backoff_ms: 50,
    dispatch_interval_ms: 20,
    ...over,
  };
}

describeEachBackend('alert dispatcher', (backend) => {
  let store: Store | undefined;
  const receivers: Receiver[] = [];
  let clock = T0;

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await store?.close();
    store = undefined;
    clock = T0;
  });

  async function receiver(respond?: Responder): Promise<Receiver> {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  }

  async function setup(config: AlertsConfig, extra: Partial<AlertDispatcherOptions> = {}) {
    store = await backend.open();
    const { entries, log } = memoryLog();
    const dispatcher = createAlertDispatcher({
      store,
      config,
      log,
      now: () => clock,
      random: () => 1,
      ...extra,
    });
    return { store, dispatcher, entries };
  }

  const deliveries = (s: Store) => s.db.selectFrom('outbox').selectAll().orderBy('id').execute();

  it('delivers generic JSON, Slack and Alertmanager bodies with the configured headers', async () => {
    const r = await receiver();
    const config = alertsConfig({
      webhooks: [
        { url: `${r.url}/json`, format: 'json', headers: { authorization: 'Bearer t0ken' } },
        { url: `${r.url}/slack`, format: 'slack', headers: {} },
      ],
      alertmanager_url: `${r.url}/am/`,
    });
    const registry = new Registry();
    const { store: s, dispatcher } = await setup(config, { registry });
    await enqueueAlerts(
      s.db,
      { events: [openedEvent(), resolvedEvent()], firing: [firing()] },
      { now: T0, config },
    );

    expect(await dispatcher.runOnce()).toEqual({ delivered: 3, retried: 0, failed: 0 });

    const byPath = new Map(r.requests.map((q) => [q.path, q]));
    expect([...byPath.keys()].sort()).toEqual(['/am/api/v2/alerts', '/json', '/slack']);
    for (const q of r.requests) {
      expect(q.method).toBe('POST');
      expect(q.headers['content-type']).toBe('application/json');
    }
    const json = byPath.get('/json');
    expect(json?.headers.authorization).toBe('Bearer t0ken');
    expect(JSON.parse(json?.body ?? '')).toEqual({
      version: 1,
      generated_at: T0,
      events: [openedEvent(), resolvedEvent()],
    });
    const slack = JSON.parse(byPath.get('/slack')?.body ?? '') as { text: string };
    expect(slack.text.split('\n')[1]).toBe(
      '[CRITICAL] uptime_pct of node n-17 is 80.1 % (threshold 95 %) — opened',
    );
    const am = JSON.parse(byPath.get('/am/api/v2/alerts')?.body ?? '') as AlertmanagerAlert[];
    expect(am.map((a) => [a.labels['alertname'], a.labels['node_id'], a.labels['severity']])).toEqual([
      ['VigilSlaViolation', 'n-17', 'critical'],
      ['VigilSlaViolation', 'n-3', 'high'],
    ]);

    const rows = await deliveries(s);
    expect(rows.map((row) => [row.state, row.attempts, row.delivered_at, row.last_error])).toEqual([
      ['delivered', 1, T0, null],
      ['delivered', 1, T0, null],
      ['delivered', 1, T0, null],
    ]);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(r.requests).toHaveLength(3);
    const metrics = await registry.getSingleMetricAsString('vigil_alert_deliveries_total');
    expect(metrics).toContain('vigil_alert_deliveries_total{channel="alertmanager",result="delivered"} 1');
  });

  it('retries a receiver that fails twice and then succeeds', async () => {
    const r = await receiver((_, i) => (i < 2 ? { status: 500, body: 'internal trouble' } : { status: 204 }));
    const config = alertsConfig({ webhooks: [{ url: r.url, format: 'json', headers: {} }] });
    const { store: s, dispatcher } = await setup(config);
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: T0, config });

    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    let [row] = await deliveries(s);
    expect(row).toMatchObject({ state: 'pending', attempts: 1, last_error: 'HTTP 500: internal trouble' });
    // random() = 1 puts the full-jitter draw at its ceiling: 10 ms after the first failure.
    expect(row?.next_attempt_at).toBe(T0 + 10);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });

    clock += 10;
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    [row] = await deliveries(s);
    expect(row?.next_attempt_at).toBe(clock + 20);

    clock += 20;
    expect(await dispatcher.runOnce()).toEqual({ delivered: 1, retried: 0, failed: 0 });
    [row] = await deliveries(s);
    expect(row).toMatchObject({ state: 'delivered', attempts: 3, delivered_at: clock, last_error: null });
    expect(r.requests).toHaveLength(3);
    expect(new Set(r.requests.map((q) => q.body)).size).toBe(1);
  });

  it('gives up at once on a request the receiver refuses', async () => {
    const r = await receiver(() => ({ status: 400, body: '{"error":"invalid_payload"}' }));
    const config = alertsConfig({ webhooks: [{ url: r.url, format: 'slack', headers: {} }] });
    const { store: s, dispatcher, entries } = await setup(config);
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: T0, config });

    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const [row] = await deliveries(s);
    expect(row).toMatchObject({
      state: 'failed',
      attempts: 1,
      last_error: 'HTTP 400: {"error":"invalid_payload"}',
    });
    clock += 60_000;
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(r.requests).toHaveLength(1);
    expect(entries.some((e) => e.level === 'error' && e.msg.includes('giving up'))).toBe(true);
  });

  it('retries 429 and honours Retry-After', async () => {
    const r = await receiver(() => ({ status: 429, headers: { 'retry-after': '30' } }));
    const config = alertsConfig({
      webhooks: [{ url: r.url, format: 'json', headers: {} }],
      max_backoff_ms: 300_000,
    });
    const { store: s, dispatcher } = await setup(config);
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: T0, config });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const [row] = await deliveries(s);
    expect(row).toMatchObject({ state: 'pending', last_error: 'HTTP 429', next_attempt_at: T0 + 30_000 });
  });

  it('marks a row failed with its last error once max_attempts are used up', async () => {
    const r = await receiver(() => ({ status: 503, body: 'maintenance' }));
    const config = alertsConfig({ webhooks: [{ url: r.url, format: 'json', headers: {} }], max_attempts: 3 });
    const { store: s, dispatcher } = await setup(config);
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: T0, config });

    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await dispatcher.runOnce());
      clock += config.max_backoff_ms;
    }
    expect(results).toEqual([
      { delivered: 0, retried: 1, failed: 0 },
      { delivered: 0, retried: 1, failed: 0 },
      { delivered: 0, retried: 0, failed: 1 },
      { delivered: 0, retried: 0, failed: 0 },
    ]);
    const [row] = await deliveries(s);
    expect(row).toMatchObject({
      state: 'failed',
      attempts: 3,
      last_error: 'HTTP 503: maintenance',
      delivered_at: null,
    });
    expect(r.requests).toHaveLength(3);
  });

  it('counts a receiver that never answers as a failed attempt after the timeout', async () => {
    const r = await receiver(() => 'hang');
    const config = alertsConfig({ webhooks: [{ url: r.url, format: 'json', headers: {} }], timeout_ms: 150 });
    const { store: s, dispatcher } = await setup(config);
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: T0, config });

    const started = performance.now();
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(performance.now() - started).toBeLessThan(5000);
    const [row] = await deliveries(s);
    expect(row).toMatchObject({ state: 'pending', attempts: 1, last_error: 'timeout after 150 ms' });
  });

  it('retries when nothing listens, with the network error', async () => {
    const r = await receiver();
    await r.close();
    const config = alertsConfig({ webhooks: [{ url: r.url, format: 'json', headers: {} }] });
    const { store: s, dispatcher } = await setup(config);
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: T0, config });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const [row] = await deliveries(s);
    expect(row?.last_error).toMatch(/ECONNREFUSED/);
  });

  it('fails rows whose channel has been removed from the configuration', async () => {
    const r = await receiver();
    const before = alertsConfig({ webhooks: [{ url: r.url, format: 'json', headers: {} }] });
    const { store: s, dispatcher } = await setup(alertsConfig());
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: T0, config: before });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const [row] = await deliveries(s);
    expect(row?.last_error).toBe(`channel ${webhookChannel(before.webhooks[0]!)} is no longer configured`);
    expect(r.requests).toHaveLength(0);
  });

  it('tries a failing receiver once per run, leaving its other rows in order for later', async () => {
    let failing = true;
    const r = await receiver(() => (failing ? { status: 502 } : { status: 200 }));
    const config = alertsConfig({ webhooks: [{ url: r.url, format: 'json', headers: {} }] });
    const { store: s, dispatcher } = await setup(config);
    for (let i = 0; i < 3; i++) {
      await enqueueAlerts(
        s.db,
        { events: [openedEvent({ violation_id: `v-${i}` })], firing: [] },
        { now: T0 + i, config },
      );
    }
    clock = T0 + 2;
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(r.requests).toHaveLength(1);
    failing = false;
    clock += config.max_backoff_ms;
    expect(await dispatcher.runOnce()).toEqual({ delivered: 3, retried: 0, failed: 0 });
    const ids = r.requests.map(
      (q) => (JSON.parse(q.body) as { events: { violation_id: string }[] }).events[0]?.violation_id,
    );
    expect(ids).toEqual(['v-0', 'v-0', 'v-1', 'v-2']);
  });

  it('never sends a row twice when two dispatchers share the store', async () => {
    const r = await receiver();
    const config = alertsConfig({
      webhooks: [
        { url: `${r.url}/a`, format: 'json', headers: {} },
        { url: `${r.url}/b`, format: 'json', headers: {} },
        { url: `${r.url}/c`, format: 'slack', headers: {} },
      ],
    });
    const { store: s, dispatcher: first } = await setup(config);
    const second = createAlertDispatcher({ store: s, config, log: memoryLog().log, now: () => clock });
    for (let i = 0; i < 20; i++) {
      const event = openedEvent({ violation_id: `v-${i}`, node_id: `n-${i}`, subject: `n-${i}` });
      await enqueueAlerts(s.db, { events: [event], firing: [] }, { now: T0, config });
    }
    const [a, b] = await Promise.all([first.runOnce(), second.runOnce()]);
    expect((a?.delivered ?? 0) + (b?.delivered ?? 0)).toBe(60);
    expect(r.requests).toHaveLength(60);
    expect(new Set(r.requests.map((q) => `${q.path} ${q.body}`)).size).toBe(60);
    expect((await deliveries(s)).every((row) => row.state === 'delivered' && row.attempts === 1)).toBe(true);
  });

  it('runs on its own until stopped, and stop waits for a send in flight', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const r = await receiver();
    const config = alertsConfig({ webhooks: [{ url: r.url, format: 'json', headers: {} }] });
    const { store: s, dispatcher } = await setup(config, {
      now: Date.now,
      fetch: async (url, init) => {
        await gate;
        return fetch(url, init);
      },
    });
    await enqueueAlerts(s.db, { events: [openedEvent()], firing: [] }, { now: Date.now(), config });
    dispatcher.start();
    dispatcher.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = dispatcher.stop();
    release();
    await stopped;
    const [row] = await deliveries(s);
    expect(row?.state).toBe('delivered');
    expect(r.requests).toHaveLength(1);
  });

  it('logs a store error and carries on', async () => {
    const config = alertsConfig();
    const { store: s, dispatcher, entries } = await setup(config);
    await s.close();
    store = undefined;
    await expect(dispatcher.runOnce()).resolves.toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(entries.some((e) => e.level === 'error' && e.msg.includes('could not be read'))).toBe(true);
  });
});

describe('alert dispatcher loop', () => {
  it('starts and stops with nothing to do', async () => {
    const fakeStore = {
      db: {
        selectFrom: () => {
          throw new Error('store down');
        },
      },
    } as unknown as Store;
    const { entries, log } = memoryLog();
    const dispatcher = createAlertDispatcher({ store: fakeStore, config: alertsConfig(), log });
    dispatcher.start();
    await new Promise((resolve) => setTimeout(resolve, 70));
    await dispatcher.stop();
    const errors = entries.filter((e) => e.level === 'error').length;
    expect(errors).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(entries.filter((e) => e.level === 'error').length).toBe(errors);
  });
});
