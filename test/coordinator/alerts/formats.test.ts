import { describe, expect, it } from 'vitest';
import { alertmanagerAlertsUrl, webhookChannel } from '../../../src/coordinator/alerts/config.ts';
import { formatAlertmanager } from '../../../src/coordinator/alerts/format-alertmanager.ts';
import { formatJson } from '../../../src/coordinator/alerts/format-json.ts';
import { formatSlack } from '../../../src/coordinator/alerts/format-slack.ts';
import { eventLine, formatDuration } from '../../../src/coordinator/alerts/wording.ts';
import { firing, openedEvent, resolvedEvent, T0 } from './fixtures.ts';

describe('wording', () => {
  it('says what happened in one line a person can act on', () => {
    expect(eventLine(openedEvent())).toBe(
      '[CRITICAL] uptime_pct of node n-17 is 80.1 % (threshold 95 %) — opened',
    );
    expect(
      eventLine(
        openedEvent({
          kind: 'violation_escalated',
          metric: 'response_time_ms',
          metric_value: 2500,
          threshold: 1000,
          previous_severity: 'high',
        }),
      ),
    ).toBe('[CRITICAL] response_time_ms of node n-17 is 2500 ms (threshold 1000 ms) — escalated from high');
    expect(eventLine(resolvedEvent())).toBe(
      '[RESOLVED] uptime_pct of node n-3 is 96.2 % (threshold 95 %) — resolved after 1 h 5 min (was high, worst 93 %)',
    );
    expect(eventLine(resolvedEvent({ reason: 'subject_removed', metric_value: null }))).toBe(
      '[RESOLVED] uptime_pct of node n-3 — resolved after 1 h 5 min: it left the fleet (was high, worst 93 %)',
    );
    expect(
      eventLine(
        openedEvent({
          node_id: null,
          subject: 'fleet',
          metric: 'capacity_availability_pct',
          severity: 'high',
          metric_value: 70,
          threshold: 80,
        }),
      ),
    ).toBe('[HIGH] capacity_availability_pct of the fleet is 70 % (threshold 80 %) — opened');
  });

  it('shows durations in their two largest units', () => {
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(12_000)).toBe('12 s');
    expect(formatDuration(250_000)).toBe('4 min 10 s');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(3_605_000)).toBe('1 h');
    expect(formatDuration(93_600_000)).toBe('1 d 2 h');
  });
});

describe('generic JSON', () => {
  it('wraps the events with a version', () => {
    const events = [openedEvent(), resolvedEvent()];
    expect(formatJson(events, T0)).toEqual({ version: 1, generated_at: T0, events });
  });
});

describe('Slack', () => {
  it('has a readable text and one block per event', () => {
    const body = formatSlack([openedEvent()]);
    expect(body.text).toBe('[CRITICAL] uptime_pct of node n-17 is 80.1 % (threshold 95 %) — opened');
    expect(body.blocks?.[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: `:red_circle: ${body.text}` },
    });
    expect(body.blocks?.at(-1)?.type).toBe('context');
  });

  it('heads several events with a count', () => {
    const body = formatSlack([openedEvent(), resolvedEvent()]);
    expect(body.text.split('\n')).toEqual([
      'Vigil: 2 SLA alerts',
      '[CRITICAL] uptime_pct of node n-17 is 80.1 % (threshold 95 %) — opened',
      '[RESOLVED] uptime_pct of node n-3 is 96.2 % (threshold 95 %) — resolved after 1 h 5 min (was high, worst 93 %)',
    ]);
    expect(body.blocks).toHaveLength(3);
  });

  it("escapes Slack's control characters in names that come from operators", () => {
    const body = formatSlack([openedEvent({ node_id: '<n&1>', subject: '<n&1>' })]);
    expect(body.text).toContain('node &lt;n&amp;1&gt; is');
  });

  it('stays within Slack limits when a whole fleet breaches at once', () => {
    const events = Array.from({ length: 500 }, (_, i) =>
      openedEvent({ node_id: `n-${i}`, subject: `n-${i}` }),
    );
    const body = formatSlack(events);
    expect(body.blocks?.length).toBeLessThanOrEqual(50);
    expect(body.text.split('\n')).toHaveLength(42);
    expect(body.text.endsWith('…and 460 more')).toBe(true);
  });
});

describe('Alertmanager', () => {
  const options = { now: T0, firingTtlMs: 1_200_000 };

  it('sends every open violation as firing, with an end a few collections ahead', () => {
    const [alert] = formatAlertmanager({ events: [], firing: [firing()] }, options);
    expect(alert).toEqual({
      labels: {
        alertname: 'VigilSlaViolation',
        metric: 'uptime_pct',
        severity: 'critical',
        node_id: 'n-17',
        service: 'vigil',
      },
      annotations: {
        summary: '[CRITICAL] uptime_pct of node n-17 is 80.1 % (threshold 95 %)',
        description: expect.stringContaining('SLA violation 0196-firing open since 2026-04-22T15:00:00.000Z'),
        violation_id: '0196-firing',
      },
      startsAt: '2026-04-22T15:00:00.000Z',
      endsAt: '2026-04-22T15:20:00.000Z',
    });
  });

  it('labels fleet-wide violations by subject', () => {
    const [alert] = formatAlertmanager(
      {
        events: [],
        firing: [
          firing({ node_id: null, subject: 'fleet', metric: 'capacity_availability_pct', severity: 'high' }),
        ],
      },
      options,
    );
    expect(alert?.labels).toEqual({
      alertname: 'VigilSlaViolation',
      metric: 'capacity_availability_pct',
      severity: 'high',
      subject: 'fleet',
      service: 'vigil',
    });
  });

  it('ends resolved violations and the old severity of escalated ones', () => {
    const escalated = openedEvent({
      kind: 'violation_escalated',
      violation_id: 'v-esc',
      node_id: 'n-5',
      subject: 'n-5',
      previous_severity: 'high',
      started_at: T0 - 600_000,
    });
    const alerts = formatAlertmanager(
      {
        events: [resolvedEvent(), escalated],
        firing: [firing({ violation_id: 'v-esc', node_id: 'n-5', subject: 'n-5', started_at: T0 - 600_000 })],
      },
      options,
    );
    expect(alerts.map((a) => [a.labels['node_id'], a.labels['severity'], a.endsAt])).toEqual([
      ['n-5', 'critical', '2026-04-22T15:20:00.000Z'],
      ['n-3', 'high', '2026-04-22T15:00:00.000Z'],
      ['n-5', 'high', '2026-04-22T15:00:00.000Z'],
    ]);
    expect(alerts[1]?.startsAt).toBe('2026-04-22T13:55:00.000Z');
  });

  it('builds the v2 API URL from the configured base', () => {
    expect(alertmanagerAlertsUrl('http://am:9093/')).toBe('http://am:9093/api/v2/alerts');
    expect(alertmanagerAlertsUrl('http://am:9093/prefix')).toBe('http://am:9093/prefix/api/v2/alerts');
  });
});

describe('channels', () => {
  it('names a webhook by host and a hash that hides the URL', () => {
    const name = webhookChannel({ url: 'https://hooks.slack.com/services/T0/B0/secret', format: 'slack' });
    expect(name).toMatch(/^webhook:hooks\.slack\.com:[0-9a-f]{10}$/);
    expect(name).not.toContain('secret');
    expect(webhookChannel({ url: 'https://hooks.slack.com/services/T0/B0/secret', format: 'json' })).not.toBe(
      name,
    );
  });
});
