import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { afterEach, expect, it } from 'vitest';
import { defaultConfig, type VigilConfig } from '../../../src/config/schema.ts';
import { assembleCoordinator, type Coordinator } from '../../../src/coordinator/assemble.ts';
import { createApiKey } from '../../../src/coordinator/auth/keys.ts';
import { loadCoordinatorKey } from '../../../src/coordinator/epochs/signing-key.ts';
import type { ForecastCrossing } from '../../../src/core/capacity/alerts.ts';
import { silentLogger } from '../../../src/platform/log.ts';
import { listDeliveries } from '../../../src/store/repositories/outbox.ts';
import { describeEachBackend, type TestBackend } from '../../helpers/backends.ts';
import { metricValue } from '../../helpers/metric-value.ts';
import { type Receiver, startReceiver } from '../alerts/receiver.ts';

const T0 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** A real SMTP server on 127.0.0.1 that keeps what it receives; `refuse(n)` turns away the n-th recipient (0-based). */
async function startSmtp(refuse: (n: number) => boolean = () => false) {
  const mails: Mail[] = [];
  let recipients = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuse(recipients++)) {
        const error = Object.assign(new Error('mailbox busy, try later'), { responseCode: 451 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Quoted-printable soft breaks and escapes undone, enough to read an alert e-mail's text. */
function decodeQp(raw: string): string {
  return Buffer.from(
    raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}

/** The Subject header, unfolded, its RFC 2047 words decoded. */
function subjectOf(raw: string): string {
  const folded = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  const words = folded.replace(/\r?\n[ \t]/g, ' ').replace(/\?=\s+=\?/g, '?==?');
  return words.replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, q: string) => decodeQp(q.replaceAll('_', ' ')));
}

interface Setup {
  coordinator: Coordinator;
  clock: { now: number };
  operator: string;
  close(): Promise<void>;
}

async function setup(
  backend: TestBackend,
  adjust: (c: VigilConfig) => void,
  forecastCrossing?: (thresholdPct: number) => Promise<ForecastCrossing | null>,
): Promise<Setup> {
  const store = await backend.open();
  const config = defaultConfig();
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-capacity-alerts-'));
  config.auth.signing_key_path = join(keyDir, 'coordinator.key');
  config.alerts.initial_backoff_ms = 5;
  config.alerts.max_backoff_ms = 20;
  adjust(config);
  const clock = { now: T0 };
  const coordinator = await assembleCoordinator(
    store,
    config,
    await loadCoordinatorKey(config.auth.signing_key_path),
    {
      log: silentLogger,
      now: () => clock.now,
      ...(forecastCrossing === undefined ? {} : { forecastCrossing }),
    },
  );
  const operator = (await createApiKey(store.db, 'operator', 'ops', Date.now())).key;
  return {
    coordinator,
    clock,
    operator,
    async close() {
      coordinator.jobs.close();
      await coordinator.app.close();
      await coordinator.queue.close();
      await store.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

async function call(s: Setup, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await s.coordinator.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${s.operator}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res;
}

/** One node with 4 slots, `busy` of them busy, then a collection. */
async function collectWithBusy(s: Setup, busy: number): Promise<void> {
  await call(s, 'POST', '/nodes/n1/heartbeat', { busy_slots: busy, queue_length: 0 });
  s.clock.now += 60_000;
  await call(s, 'POST', '/sla/metrics/collect');
}

/** Runs the dispatcher until nothing is left to send now or later (retries included), at most a few seconds. */
async function drain(s: Setup): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    await s.coordinator.alerts.dispatcher.runOnce();
    const pending = (await listDeliveries(s.coordinator.store.db, 'alerts')).filter(
      (r) => r.state === 'pending',
    );
    if (pending.length === 0 || Date.now() > deadline) return;
    await sleep(10);
  }
}

describeEachBackend('capacity alerts, end to end', (backend) => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const receiver = async () => {
    const r: Receiver = await startReceiver();
    closers.push(() => r.close());
    return r;
  };

  it('e-mails the address over SMTP and posts to the configured and API webhooks and Alertmanager, once per change', async () => {
    const hooks = await receiver();
    const smtp = await startSmtp();
    closers.push(smtp.close);
    let crossing: ForecastCrossing | null = { at: T0 + 50 * HOUR, pct: 86.5 };
    const asked: number[] = [];
    const s = await setup(
      backend,
      (c) => {
        c.alerts.webhooks = [
          { url: `${hooks.url}/configured`, format: 'json', headers: { authorization: 'Bearer t' } },
        ];
        c.alerts.alertmanager_url = `${hooks.url}/am`;
        c.alerts.smtp = {
          ...c.alerts.smtp,
          host: '127.0.0.1',
          port: smtp.port,
          tls: 'none',
          from: 'vigil@fleet.example',
        };
      },
      async (threshold) => {
        asked.push(threshold);
        return crossing;
      },
    );
    closers.push(s.close);
    await call(s, 'POST', '/nodes', { node_id: 'n1', max_parallel: 4 });
    const configured = await call(s, 'POST', '/sla/capacity/alerts/configure', {
      threshold_pct: 80,
      notification_email: 'ops@example.com',
      webhooks: [{ url: `${hooks.url}/api/s3cr3t-path`, format: 'slack' }],
    });
    expect(configured.json()).toMatchObject({ email: { deliverable: true, reason: null } });

    await collectWithBusy(s, 4);
    await drain(s);
    expect(asked).toEqual([80]);

    // The same receivers hear of the SLA violations a one-node fleet opens; these are the capacity alerts'.
    const byPath = (path: string) =>
      hooks.requests.filter(
        (q) =>
          q.path === path &&
          /capacity_alert_|VigilCapacityAlert|capacity utilisation|capacity forecast/.test(q.body),
      );
    const configuredBody = JSON.parse(byPath('/configured')[0]?.body ?? '{}');
    expect(configuredBody.events.map((e: { kind: string; alert: string }) => [e.kind, e.alert])).toEqual([
      ['capacity_alert_fired', 'capacity_utilization_high'],
      ['capacity_alert_fired', 'capacity_forecast_breach'],
    ]);
    expect(configuredBody.events[0]).toMatchObject({ value_pct: 100, threshold_pct: 80, severity: 'high' });
    expect(configuredBody.events[1]).toMatchObject({
      value_pct: 86.5,
      forecast_at: T0 + 50 * HOUR,
      severity: 'warning',
    });
    expect(byPath('/configured')[0]?.headers.authorization).toBe('Bearer t');

    const slack = JSON.parse(byPath('/api/s3cr3t-path')[0]?.body ?? '{}') as { text: string };
    expect(slack.text).toContain(
      '[HIGH] capacity utilisation of the fleet is 100 % (threshold 80 %) — fired',
    );
    expect(slack.text).toContain('forecast to reach 86.5 % at 2026-11-03T02:00:00.000Z (in 2 d 1 h)');

    const am = JSON.parse(byPath('/am/api/v2/alerts')[0]?.body ?? '[]') as Array<{
      labels: Record<string, string>;
    }>;
    expect(am.map((a) => [a.labels['alertname'], a.labels['alert']])).toEqual([
      ['VigilCapacityAlert', 'capacity_utilization_high'],
      ['VigilCapacityAlert', 'capacity_forecast_breach'],
    ]);

    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0] as Mail;
    expect(mail.from).toBe('vigil@fleet.example');
    expect(mail.to).toEqual(['ops@example.com']);
    expect(subjectOf(mail.raw)).toBe('Vigil: 2 capacity alerts');
    const text = decodeQp(mail.raw);
    expect(text).toContain('capacity utilisation of the fleet is 100 % (threshold 80 %)');
    expect(text).toContain('forecast crossing: 2026-11-03T02:00:00.000Z');

    // /metrics says which are open, read from the store at the scrape.
    const openGauge = async (alert: string, severity: string) =>
      metricValue(
        (await call(s, 'GET', '/metrics')).body,
        'vigil_capacity_alerts_open',
        `alert="${alert}",severity="${severity}"`,
      );
    expect(await openGauge('capacity_utilization_high', 'high')).toBe(1);
    expect(await openGauge('capacity_forecast_breach', 'warning')).toBe(1);

    // Still busy and still forecast: no news for webhooks or e-mail, only Alertmanager's refresh.
    await collectWithBusy(s, 4);
    await drain(s);
    expect(byPath('/configured')).toHaveLength(1);
    expect(byPath('/api/s3cr3t-path')).toHaveLength(1);
    expect(smtp.mails).toHaveLength(1);
    expect(byPath('/am/api/v2/alerts')).toHaveLength(2);

    // Quiet again and the forecast no longer crosses: both resolve, and everyone hears it once.
    crossing = null;
    await collectWithBusy(s, 1);
    await drain(s);
    const resolved = JSON.parse(byPath('/configured')[1]?.body ?? '{}');
    expect(resolved.events.map((e: { kind: string; alert: string }) => [e.kind, e.alert])).toEqual([
      ['capacity_alert_resolved', 'capacity_utilization_high'],
      ['capacity_alert_resolved', 'capacity_forecast_breach'],
    ]);
    expect(resolved.events[0]).toMatchObject({ value_pct: 25, worst_pct: 100, duration_ms: 120_000 });
    expect(await openGauge('capacity_utilization_high', 'high')).toBe(0);
    expect(await openGauge('capacity_forecast_breach', 'warning')).toBe(0);
    expect(smtp.mails).toHaveLength(2);
    expect(decodeQp(smtp.mails[1]?.raw ?? '')).toContain('[RESOLVED]');
    const lastAm = JSON.parse(byPath('/am/api/v2/alerts')[2]?.body ?? '[]') as Array<{ endsAt: string }>;
    expect(lastAm.map((a) => a.endsAt)).toEqual([
      new Date(s.clock.now).toISOString(),
      new Date(s.clock.now).toISOString(),
    ]);

    const rows = await listDeliveries(s.coordinator.store.db, 'alerts');
    expect(rows.every((r) => r.state === 'delivered')).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('s3cr3t-path');
  });

  it('retries an SMTP server that turns the message away, and loses nothing', async () => {
    const smtp = await startSmtp((n) => n < 2);
    closers.push(smtp.close);
    const s = await setup(backend, (c) => {
      c.alerts.smtp = { ...c.alerts.smtp, host: '127.0.0.1', port: smtp.port, tls: 'none' };
    });
    closers.push(s.close);
    await call(s, 'POST', '/nodes', { node_id: 'n1', max_parallel: 4 });
    await call(s, 'POST', '/sla/capacity/alerts/configure', { notification_email: 'ops@example.com' });
    await collectWithBusy(s, 4);

    const first = await s.coordinator.alerts.dispatcher.runOnce();
    expect(first).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const [pending] = await listDeliveries(s.coordinator.store.db, 'alerts');
    expect(pending).toMatchObject({
      state: 'pending',
      attempts: 1,
      last_error: expect.stringMatching(/451/),
    });

    await drain(s);
    const [row] = await listDeliveries(s.coordinator.store.db, 'alerts');
    expect(row).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(smtp.mails).toHaveLength(1);
    expect(subjectOf(smtp.mails[0]?.raw ?? '')).toBe(
      'Vigil: [HIGH] capacity utilisation of the fleet is 100 % (threshold 80 %) — fired',
    );
  });

  it('keeps the e-mail queued while no SMTP server answers', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    const s = await setup(backend, (c) => {
      c.alerts.smtp = { ...c.alerts.smtp, host: '127.0.0.1', port, tls: 'none' };
    });
    closers.push(s.close);
    await call(s, 'POST', '/nodes', { node_id: 'n1', max_parallel: 4 });
    await call(s, 'POST', '/sla/capacity/alerts/configure', { notification_email: 'ops@example.com' });
    await collectWithBusy(s, 4);
    expect(await s.coordinator.alerts.dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const [row] = await listDeliveries(s.coordinator.store.db, 'alerts');
    expect(row).toMatchObject({
      state: 'pending',
      attempts: 1,
      last_error: expect.stringMatching(/ECONNREFUSED|ECONNECTION/),
    });
  });

  it('without a forecast provider fires only the utilisation alert, and without SMTP writes no e-mail', async () => {
    const hooks = await receiver();
    const s = await setup(backend, (c) => {
      c.alerts.webhooks = [{ url: `${hooks.url}/configured`, format: 'json', headers: {} }];
    });
    closers.push(s.close);
    await call(s, 'POST', '/nodes', { node_id: 'n1', max_parallel: 4 });
    const res = await call(s, 'POST', '/sla/capacity/alerts/configure', {
      notification_email: 'ops@example.com',
    });
    expect(res.json()).toMatchObject({
      email: { deliverable: false, reason: 'no SMTP server is configured (alerts.smtp.host)' },
    });
    await collectWithBusy(s, 4);
    const rows = (await listDeliveries(s.coordinator.store.db, 'alerts')).filter((r) =>
      r.payload.includes('capacity_alert'),
    );
    expect(rows.map((r) => r.channel)).toEqual([expect.stringMatching(/^webhook:127\.0\.0\.1:/)]);
    const body = JSON.parse(rows[0]?.payload ?? '{}');
    expect(body.events.map((e: { alert: string }) => e.alert)).toEqual(['capacity_utilization_high']);
  });
});
