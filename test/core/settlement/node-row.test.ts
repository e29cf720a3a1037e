import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/crypto/canonical-json.ts';
import { settledRowOf } from '../../../src/core/settlement/node-row.ts';
import { settleEpoch } from '../../../src/core/settlement/settle.ts';
import type { NodeSettlement, Settlement } from '../../../src/core/settlement/types.ts';
import { input, scenario } from './scenario.ts';

const nodeId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,12}$/);
const count = fc.option(fc.nat({ max: 100_000 }), { nil: null });

function rowFor(node: string): fc.Arbitrary<NodeSettlement> {
  return fc.record({
    node: fc.constant(node),
    monitors_assigned: fc.nat({ max: 64 }),
    reports_counted: fc.nat({ max: 64 }),
    quorum_required: fc.nat({ max: 64 }),
    quorum_met: fc.boolean(),
    checks: count,
    downtime_intervals: count,
    latency_ms: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }),
    score_ppm: fc.option(fc.nat({ max: 1_000_000 }), { nil: null }),
    reward: fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
    reason: fc.constantFrom(null, 'no_monitors', 'quorum_not_met', 'zero_score', 'rounded_to_zero'),
  });
}

const settlement: fc.Arbitrary<Settlement> = fc
  .uniqueArray(nodeId, { maxLength: 30 })
  .chain((ids) => fc.tuple(...ids.sort().map(rowFor)))
  .chain((nodes) =>
    fc.record({
      version: fc.constant(1 as const),
      epoch: fc.nat(),
      previous_settlement_hash: fc.constant('0'.repeat(64)),
      reports_merkle_root: fc.constant('1'.repeat(64)),
      reports_accepted: fc.nat(),
      reports_rejected: fc.array(
        fc.record({
          monitor: fc.option(nodeId, { nil: null }),
          digest: fc.constant(null),
          reason: fc.constant('bad_signature' as const),
        }),
        { maxLength: 3 },
      ),
      parameters: fc.record({
        reward_pool: fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
        quorum_fraction: fc.constant('1/2'),
        downtime_allowance_fraction: fc.constant('1/30'),
        latency_allowance_ms: fc.nat({ max: 10_000 }),
      }),
      nodes: fc.constant(nodes),
      total_reward: fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
      withheld: fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
    }),
  );

const expected = (s: Settlement, id: string) => ({
  row: s.nodes.find((n) => n.node === id) ?? null,
  parameters: s.parameters,
  total_reward: s.total_reward,
});

describe('settledRowOf', () => {
  it('answers what parsing the whole document answers, for every node and for one it lacks', () => {
    fc.assert(
      fc.property(settlement, nodeId, (s, other) => {
        const canonical = canonicalJson(s);
        const spaced = JSON.stringify(s, null, 2);
        for (const id of [...s.nodes.map((n) => n.node), other]) {
          expect(settledRowOf(canonical, id)).toEqual(expected(s, id));
          expect(settledRowOf(spaced, id)).toEqual(expected(s, id));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads real settlements alike', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const s = settleEpoch(input(sc));
        const text = canonicalJson(s);
        for (const n of s.nodes) expect(settledRowOf(text, n.node)).toEqual(expected(s, n.node));
      }),
      { numRuns: 40 },
    );
  });

  it('cuts the row out of the canonical text without parsing the other nodes’ rows', () => {
    const row = (node: string, reward: string): NodeSettlement => ({
      node,
      monitors_assigned: 3,
      reports_counted: 3,
      quorum_required: 2,
      quorum_met: true,
      checks: 12,
      downtime_intervals: 1,
      latency_ms: 20.5,
      score_ppm: 1_000_000,
      reward,
      reason: null,
    });
    const s: Settlement = {
      version: 1,
      epoch: 7,
      previous_settlement_hash: '0'.repeat(64),
      reports_merkle_root: '1'.repeat(64),
      reports_accepted: 2,
      reports_rejected: [],
      parameters: {
        reward_pool: '100',
        quorum_fraction: '1/2',
        downtime_allowance_fraction: '1/30',
        latency_allowance_ms: 150,
      },
      nodes: [row('a', '50'), row('a1', '40')],
      total_reward: '90',
      withheld: '10',
    };
    // Another node's row spoilt: parsing the whole text would throw; the cut does not reach it.
    const text = canonicalJson(s).replace('"reward":"40"', '"reward":40x');
    expect(() => JSON.parse(text)).toThrow();
    expect(settledRowOf(text, 'a')).toEqual(expected(s, 'a'));
  });
});
