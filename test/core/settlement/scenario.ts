import fc from 'fast-check';
import type { SignedReport, TargetSummary } from '../../../src/core/reports/types.ts';
import { GENESIS_SETTLEMENT_HASH } from '../../../src/core/settlement/document.ts';
import type { SettleEpochInput } from '../../../src/core/settlement/settle.ts';
import type { RejectedReport } from '../../../src/core/settlement/types.ts';
import { cyclicAssignments, keysFor, signedBy, summary } from './network.ts';
// Generated networks of honest and lying monitors, shared by the settlement tests.

export const EPOCH = 7;

export interface Observation {
  samples: number;
  down: number;
  /** The latency settlement reads: the mean of a version 1 entry, the 10th percentile of a version 2 one. */
  mean: number | null;
}

/**
 * A version 2 entry of an observation: its latency figure is `latency_p10_ms`, and its mean
 * is made different (higher, as a mean over the same probes would be) so that reading the
 * wrong member would change the settlement.
 */
export function entryOf(target: string, o: Observation, v2: boolean): TargetSummary {
  if (!v2) return summary(target, o.samples, o.down, o.mean);
  const mean = o.mean === null ? null : Math.min(1e9, Math.round(o.mean * 1500 + 7000) / 1000);
  return summary(target, o.samples, o.down, mean, o.mean);
}

/** What an honest monitor sees: most probes counted, the node up at least once, a plausible latency. */
export const honestObservation = fc
  .record({
    samples: fc.integer({ min: 1, max: 8640 }),
    downShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .chain(({ samples, downShare }) =>
    fc.record({
      samples: fc.constant(samples),
      down: fc.constant(Math.min(samples - 1, Math.floor(downShare * samples))),
      mean: fc.double({ min: 0.001, max: 2000, noNaN: true }).map((m) => Math.round(m * 1000) / 1000),
    }),
  );

/** What a lying monitor may send: anything well formed, including no samples or no latency. */
export const lieObservation = fc
  .record({
    samples: fc.integer({ min: 0, max: 1_000_000 }),
    downShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .chain(({ samples, downShare }) => {
    const down = Math.floor(downShare * samples);
    return fc.record({
      samples: fc.constant(samples),
      down: fc.constant(down),
      mean:
        samples - down === 0
          ? fc.constant(null)
          : fc.option(
              fc.double({ min: 0, max: 1e9, noNaN: true }).map((m) => Math.round(m * 1000) / 1000),
              { nil: null },
            ),
    });
  });

export interface Scenario {
  nodes: string[];
  assignments: Map<string, string[]>;
  liars: Set<string>;
  /** Monitors whose reports are version 2; the others send version 1 (both stay readable). */
  v2?: Set<string>;
  /** observations[monitor][target] */
  observations: Map<string, Map<string, Observation>>;
  reports: SignedReport[];
}

export const scenario: fc.Arbitrary<Scenario> = fc
  .record({ n: fc.integer({ min: 2, max: 9 }), g: fc.integer({ min: 1, max: 8 }) })
  .chain(({ n, g }) => {
    const nodes = Array.from({ length: n }, (_, i) => `node-${String.fromCharCode(97 + i)}`);
    const groupSize = Math.min(g, n - 1);
    return fc.record({
      nodes: fc.constant(nodes),
      assignments: fc.constant(cyclicAssignments(nodes, groupSize)),
      liars: fc.uniqueArray(fc.constantFrom(...nodes), { maxLength: n }),
      v2: fc.uniqueArray(fc.constantFrom(...nodes), { maxLength: n }),
      honest: fc.array(honestObservation, { minLength: n * n, maxLength: n * n }),
      lies: fc.array(lieObservation, { minLength: n * n, maxLength: n * n }),
    });
  })
  .map(({ nodes, assignments, liars, v2, honest, lies }) => {
    const liarSet = new Set(liars);
    const v2Set = new Set(v2);
    const observations = new Map<string, Map<string, Observation>>();
    nodes.forEach((monitor, i) => {
      const seen = new Map<string, Observation>();
      nodes.forEach((target, j) => {
        if (!assignments.get(target)?.includes(monitor)) return;
        const pick = liarSet.has(monitor) ? lies : honest;
        seen.set(target, pick[i * nodes.length + j] as Observation);
      });
      observations.set(monitor, seen);
    });
    const reports = nodes
      .filter((monitor) => (observations.get(monitor)?.size ?? 0) > 0)
      .map((monitor) =>
        signedBy(
          monitor,
          EPOCH,
          [...(observations.get(monitor) as Map<string, Observation>)].map(([target, o]) =>
            entryOf(target, o, v2Set.has(monitor)),
          ),
        ),
      );
    return { nodes, assignments, liars: liarSet, v2: v2Set, observations, reports };
  });

export function input(s: Scenario, overrides: Partial<SettleEpochInput> = {}): SettleEpochInput {
  return {
    epoch: EPOCH,
    previousSettlementHash: GENESIS_SETTLEMENT_HASH,
    assignments: s.assignments,
    reports: s.reports,
    monitorKeys: keysFor(s.nodes),
    rewardPool: 1_000_000n,
    ...overrides,
  };
}

/** The settlement's order for rejected reports: by monitor, then digest, absent ones first. */
export function byMonitorThenDigest(rows: RejectedReport[]): RejectedReport[] {
  const key = (r: RejectedReport) => [r.monitor ?? '', r.digest ?? ''].join('\u0000');
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export const span = (values: number[]) => [Math.min(...values), Math.max(...values)] as const;
