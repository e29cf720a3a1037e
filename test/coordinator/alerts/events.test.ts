import { describe, expect, it } from 'vitest';
import {
  alertsForCollection,
  eventsFromTransitions,
  firingAfter,
} from '../../../src/coordinator/alerts/events.ts';
import { planTransitions } from '../../../src/core/sla/violations.ts';
import { openUptime, T0, uptimeEvaluation } from './fixtures.ts';

/** Pairs each transition with its violation id the way the store's applyTransitions does. */
function withIds(transitions: ReturnType<typeof planTransitions>, newIds: string[] = []) {
  let next = 0;
  return transitions.map((transition) => ({
    transition,
    violationId: transition.kind === 'opened' ? (newIds[next++] as string) : transition.violation.id,
  }));
}

describe('eventsFromTransitions', () => {
  it('turns opened, escalated and resolved transitions into events and ignores continued ones', () => {
    const open = [
      openUptime('n-1', 'v-1'),
      openUptime('n-2', 'v-2'),
      openUptime('n-3', 'v-3', { createdAt: T0 - 60_000 }),
    ];
    const transitions = planTransitions(
      open,
      [
        uptimeEvaluation('n-1', 80.1, 'critical'),
        uptimeEvaluation('n-2', 94, 'high'),
        uptimeEvaluation('n-3', 99, null),
        uptimeEvaluation('n-9', 90, 'high'),
      ],
      T0,
    );
    const events = eventsFromTransitions(withIds(transitions, ['v-new']), T0);

    expect(events.map((e) => [e.kind, e.violation_id])).toEqual([
      ['violation_escalated', 'v-1'],
      ['violation_resolved', 'v-3'],
      ['violation_opened', 'v-new'],
    ]);
    expect(events[0]).toMatchObject({
      severity: 'critical',
      previous_severity: 'high',
      metric_value: 80.1,
      worst_value: 80.1,
      started_at: open[0]?.createdAt,
      resolved_at: null,
    });
    expect(events[1]).toMatchObject({
      severity: 'high',
      metric_value: 99,
      resolved_at: T0,
      duration_ms: 60_000,
      reason: 'recovered',
    });
    expect(events[2]).toEqual({
      kind: 'violation_opened',
      violation_id: 'v-new',
      node_id: 'n-9',
      subject: 'n-9',
      metric: 'uptime_pct',
      severity: 'high',
      previous_severity: null,
      metric_value: 90,
      worst_value: 90,
      threshold: 95,
      at: T0,
      started_at: T0,
      resolved_at: null,
      duration_ms: null,
      reason: null,
    });
  });

  it('reports a subject that left the fleet without a reading', () => {
    const transitions = planTransitions([openUptime('n-1', 'v-1')], [], T0);
    const [event] = eventsFromTransitions(withIds(transitions), T0);
    expect(event).toMatchObject({
      kind: 'violation_resolved',
      metric_value: null,
      worst_value: 93,
      threshold: 95,
      reason: 'subject_removed',
      duration_ms: 3_900_000,
    });
  });
});

describe('firingAfter', () => {
  it('keeps what stays open, applies escalations, adds the opened and drops the resolved', () => {
    const open = [openUptime('n-1', 'v-1'), openUptime('n-2', 'v-2'), openUptime('n-3', 'v-3')];
    const transitions = planTransitions(
      open,
      [
        uptimeEvaluation('n-1', 80, 'critical'),
        // n-2 had no data: no transition, still firing.
        uptimeEvaluation('n-2', null, null),
        uptimeEvaluation('n-3', 99, null),
        uptimeEvaluation('n-4', 91, 'high'),
      ],
      T0,
    );
    const applied = withIds(transitions, ['v-4']);
    const firing = firingAfter(open, applied, T0);
    expect(firing.map((f) => [f.violation_id, f.severity, f.metric_value])).toEqual([
      ['v-1', 'critical', 80],
      ['v-2', 'high', null],
      ['v-4', 'high', 91],
    ]);
    expect(firing.find((f) => f.violation_id === 'v-4')?.started_at).toBe(T0);
    expect(alertsForCollection(open, applied, T0)).toEqual({
      events: eventsFromTransitions(applied, T0),
      firing,
    });
  });

  it('records a continued reading and its worst value', () => {
    const open = [openUptime('n-1', 'v-1', { worstValue: 94 })];
    const transitions = planTransitions(open, [uptimeEvaluation('n-1', 92, 'high')], T0);
    expect(firingAfter(open, withIds(transitions), T0)).toMatchObject([
      { violation_id: 'v-1', metric_value: 92, worst_value: 92 },
    ]);
    expect(eventsFromTransitions(withIds(transitions), T0)).toEqual([]);
  });
});
