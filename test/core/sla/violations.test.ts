import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classify,
  DEFAULT_BANDS,
  DIRECTIONS,
  isWorse,
  METRIC_TYPES,
  type MetricRule,
  severityRank,
} from '../../../src/core/sla/rules.ts';
import {
  type Evaluation,
  type OpenViolation,
  planTransitions,
  type Transition,
} from '../../../src/core/sla/violations.ts';
import type { MetricType, Severity } from '../../../src/store/schema.ts';

const THRESHOLDS: Record<MetricType, number> = {
  uptime_pct: 95,
  response_time_ms: 1000,
  completion_rate_pct: 90,
  capacity_availability_pct: 80,
};
const RULES = Object.fromEntries(
  METRIC_TYPES.map((m) => [
    m,
    { direction: DIRECTIONS[m], threshold: THRESHOLDS[m], bands: DEFAULT_BANDS[m] },
  ]),
) as Record<MetricType, MetricRule>;
const SUBJECTS = ['fleet', 'node-a', 'node-b', 'node-c'] as const;
const key = (subject: string, metric: MetricType) => `${subject}/${metric}`;

/** Readings that land on every side of every band: within, high, critical, right at a bound. */
const VALUES: Record<MetricType, fc.Arbitrary<number>> = {
  uptime_pct: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(85.5, 95, 100, 0)),
  response_time_ms: fc.oneof(fc.double({ min: 0, max: 5000, noNaN: true }), fc.constantFrom(1000, 2000)),
  completion_rate_pct: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(90, 100)),
  capacity_availability_pct: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(80, 100)),
};

/** Per subject and metric: not evaluated at all (the subject left), no data, or a value. */
type Reading = { kind: 'absent' } | { kind: 'value'; value: number | null };
const readingFor = (metric: MetricType): fc.Arbitrary<Reading> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<Reading>({ kind: 'absent' }) },
    { weight: 2, arbitrary: fc.constant<Reading>({ kind: 'value', value: null }) },
    { weight: 7, arbitrary: VALUES[metric].map<Reading>((value) => ({ kind: 'value', value })) },
  );

/** A subject that left takes all its metrics with it, or sends each metric's reading. */
const subjectCollection = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 9,
    arbitrary: fc.record(
      Object.fromEntries(METRIC_TYPES.map((m) => [m, readingFor(m)])) as Record<
        MetricType,
        fc.Arbitrary<Reading>
      >,
    ),
  },
);

const collection = fc.record({
  elapsedMs: fc.integer({ min: 1, max: 900_000 }),
  subjects: fc.tuple(...SUBJECTS.map(() => subjectCollection)),
});
const history = fc.array(collection, { minLength: 1, maxLength: 60 });

function evaluationsOf(subjects: ReadonlyArray<Record<MetricType, Reading> | null>): Evaluation[] {
  const evaluations: Evaluation[] = [];
  subjects.forEach((readings, i) => {
    const subject = SUBJECTS[i] as string;
    if (readings === null) return;
    for (const metric of METRIC_TYPES) {
      const reading = readings[metric];
      if (reading.kind === 'absent') continue;
      const rule = RULES[metric];
      evaluations.push({
        subject,
        nodeId: subject === 'fleet' ? null : subject,
        metric,
        direction: rule.direction,
        value: reading.value,
        threshold: rule.threshold,
        severity: classify(reading.value, rule),
      });
    }
  });
  return evaluations;
}

interface Audit {
  opened: number;
  resolved: number;
  /** Per violation id: the worst reading seen while it was open, by our own count. */
  worstSeen: Map<string, number>;
}

/**
 * Applies one collection's plan to an in-memory open-violation table the way a store
 * would, checking each transition against the reading that caused it.
 */
function applyPlan(
  table: Map<string, OpenViolation>,
  transitions: readonly Transition[],
  evaluations: readonly Evaluation[],
  now: number,
  audit: Audit,
  nextId: () => string,
): void {
  const evaluated = new Map(evaluations.map((e) => [key(e.subject, e.metric), e]));
  const touched = new Set<string>();
  const touch = (k: string) => {
    expect(touched.has(k), `two transitions for ${k} in one collection`).toBe(false);
    touched.add(k);
  };
  const openOne = (k: string, expected: OpenViolation) => {
    const current = table.get(k);
    expect(current, `transition on ${k} for a violation that is not the open one`).toEqual(expected);
    return current as OpenViolation;
  };

  for (const t of transitions) {
    switch (t.kind) {
      case 'opened': {
        const { evaluation } = t;
        const k = key(evaluation.subject, evaluation.metric);
        touch(k);
        expect(table.has(k), `second open violation for ${k}`).toBe(false);
        expect(evaluation.value).not.toBeNull();
        expect(evaluation.severity).not.toBeNull();
        expect(t.severity).toBe(evaluation.severity);
        const id = nextId();
        table.set(k, {
          id,
          subject: evaluation.subject,
          nodeId: evaluation.nodeId,
          metric: evaluation.metric,
          severity: t.severity,
          worstValue: evaluation.value as number,
          threshold: evaluation.threshold,
          createdAt: now,
        });
        audit.worstSeen.set(id, evaluation.value as number);
        audit.opened++;
        break;
      }
      case 'escalated':
      case 'continued': {
        const { evaluation } = t;
        const k = key(evaluation.subject, evaluation.metric);
        touch(k);
        const current = openOne(k, t.violation);
        expect(evaluation.value).not.toBeNull();
        expect(
          evaluation.severity,
          'an open violation continued on a reading within threshold',
        ).not.toBeNull();
        const value = evaluation.value as number;
        const worst = audit.worstSeen.get(current.id) as number;
        audit.worstSeen.set(current.id, isWorse(evaluation.direction, value, worst) ? value : worst);
        if (t.kind === 'escalated') {
          expect(t.from).toBe(current.severity);
          expect(t.to).toBe(evaluation.severity);
          expect(severityRank(t.to)).toBeGreaterThan(severityRank(t.from));
          const worstValue = isWorse(evaluation.direction, value, current.worstValue)
            ? value
            : current.worstValue;
          table.set(k, { ...current, severity: t.to, worstValue });
        } else {
          expect(severityRank(evaluation.severity)).toBeLessThanOrEqual(severityRank(current.severity));
          table.set(k, { ...current, worstValue: t.worstValue });
        }
        break;
      }
      case 'resolved': {
        const k = key(t.violation.subject, t.violation.metric);
        touch(k);
        const current = openOne(k, t.violation);
        if (t.reason === 'recovered') {
          expect(t.evaluation).not.toBeNull();
          expect(t.evaluation?.value).not.toBeNull();
          expect(t.evaluation?.severity).toBeNull();
          expect(evaluated.get(k)).toBe(t.evaluation);
        } else {
          expect(t.evaluation).toBeNull();
          expect(evaluated.has(k), `${k} resolved as removed while still evaluated`).toBe(false);
        }
        expect(t.durationMs).toBe(now - current.createdAt);
        table.delete(k);
        audit.resolved++;
        break;
      }
    }
  }

  // Readings that caused no transition: no data, or within threshold with nothing open.
  for (const [k, evaluation] of evaluated) {
    if (touched.has(k)) continue;
    const quiet = evaluation.value === null || (evaluation.severity === null && !table.has(k));
    expect(quiet, `reading for ${k} ignored`).toBe(true);
  }
}

describe('planTransitions', () => {
  it('keeps the open-violation table consistent over many collections', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 2_000_000_000_000 }), (collections, start) => {
        const table = new Map<string, OpenViolation>();
        const audit: Audit = { opened: 0, resolved: 0, worstSeen: new Map() };
        let ids = 0;
        const nextId = () => `v${++ids}`;
        let now = start;

        for (const { elapsedMs, subjects } of collections) {
          now += elapsedMs;
          const before = new Map(table);
          const evaluations = evaluationsOf(subjects);
          const transitions = planTransitions([...table.values()], evaluations, now);
          applyPlan(table, transitions, evaluations, now, audit, nextId);

          const evaluated = new Map(evaluations.map((e) => [key(e.subject, e.metric), e]));
          for (const [k, previous] of before) {
            const after = table.get(k);
            const evaluation = evaluated.get(k);
            if (evaluation === undefined) {
              expect(after, `${k} still open after its subject left`).toBeUndefined();
            }
            if (evaluation?.value === null) {
              // No data changes nothing.
              expect(after).toEqual(previous);
            }
            if (after !== undefined && after.id === previous.id) {
              expect(severityRank(after.severity)).toBeGreaterThanOrEqual(severityRank(previous.severity));
            }
          }
          for (const [k, evaluation] of evaluated) {
            const open = table.get(k);
            if (evaluation.value === null) continue;
            if (evaluation.severity === null) {
              expect(open, `${k} still open after a reading within threshold`).toBeUndefined();
            } else {
              expect(open, `${k} breached with no open violation`).toBeDefined();
              expect(severityRank(open?.severity ?? null)).toBeGreaterThanOrEqual(
                severityRank(evaluation.severity),
              );
            }
          }
          for (const open of table.values()) {
            expect(open.worstValue).toBe(audit.worstSeen.get(open.id));
            expect(open.severity).toBe(classify(open.worstValue, RULES[open.metric]));
          }
          expect(audit.opened).toBe(audit.resolved + table.size);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('opens once, escalates, continues, and resolves with its duration', () => {
    const evaluation = (value: number | null): Evaluation => ({
      subject: 'node-a',
      nodeId: 'node-a',
      metric: 'uptime_pct',
      direction: 'min',
      value,
      threshold: 95,
      severity: classify(value, RULES.uptime_pct),
    });
    const t0 = 1_700_000_000_000;
    const opened = planTransitions([], [evaluation(90)], t0);
    expect(opened).toEqual([{ kind: 'opened', evaluation: evaluation(90), severity: 'high' as Severity }]);
    const open: OpenViolation = {
      id: 'v1',
      subject: 'node-a',
      nodeId: 'node-a',
      metric: 'uptime_pct',
      severity: 'high',
      worstValue: 90,
      threshold: 95,
      createdAt: t0,
    };
    expect(planTransitions([open], [evaluation(80)], t0 + 300_000)[0]).toMatchObject({
      kind: 'escalated',
      from: 'high',
      to: 'critical',
    });
    expect(planTransitions([open], [evaluation(null)], t0 + 300_000)).toEqual([]);
    expect(planTransitions([open], [evaluation(92)], t0 + 300_000)[0]).toMatchObject({
      kind: 'continued',
      worstValue: 90,
    });
    expect(planTransitions([open], [evaluation(99)], t0 + 600_000)[0]).toMatchObject({
      kind: 'resolved',
      durationMs: 600_000,
      reason: 'recovered',
    });
    expect(planTransitions([open], [], t0 + 900_000)[0]).toMatchObject({
      kind: 'resolved',
      evaluation: null,
      durationMs: 900_000,
      reason: 'subject_removed',
    });
  });
});
