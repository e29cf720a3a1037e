import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/crypto/canonical-json.ts';
import { exportPublicKey, publicKeyOf } from '../../../src/core/crypto/ed25519.ts';
import {
  diffSettlements,
  GENESIS_SETTLEMENT_HASH,
  settlementHash,
  signSettlement,
  verifySettlement,
} from '../../../src/core/settlement/document.ts';
import { settleEpoch } from '../../../src/core/settlement/settle.ts';
import type { Settlement } from '../../../src/core/settlement/types.ts';
import { keyNamed } from '../crypto/keys.ts';
import { cyclicAssignments, keysFor, signedBy, summary } from './network.ts';

const nodes = ['node-a', 'node-b', 'node-c'];
const assignments = cyclicAssignments(nodes, 2);
const reports = nodes.map((m) =>
  signedBy(
    m,
    1,
    [...assignments]
      .filter(([, ms]) => ms.includes(m))
      .map(([t]) => summary(t, 100, m === 'node-a' ? 50 : 1, 30)),
  ),
);
const settlement = settleEpoch({
  epoch: 1,
  previousSettlementHash: GENESIS_SETTLEMENT_HASH,
  assignments,
  reports,
  monitorKeys: keysFor(nodes),
  rewardPool: 900n,
});
const coordinator = keyNamed('coordinator');
const coordinatorPublic = exportPublicKey(publicKeyOf(coordinator));

describe('settlement documents', () => {
  it('hash as SHA-256 of their canonical JSON', () => {
    expect(settlementHash(settlement)).toBe(
      createHash('sha256').update(canonicalJson(settlement)).digest('hex'),
    );
    expect(GENESIS_SETTLEMENT_HASH).toMatch(/^0{64}$/);
  });

  it('verify under the coordinator key and stop verifying when anything changes', () => {
    const signed = signSettlement(settlement, coordinator);
    expect(verifySettlement(signed, coordinatorPublic)).toBe(true);
    expect(verifySettlement(signed, exportPublicKey(publicKeyOf(keyNamed('other'))))).toBe(false);
    const richer = structuredClone(signed);
    (richer.settlement.nodes[0] as { reward: string }).reward = '301';
    expect(verifySettlement(richer, coordinatorPublic)).toBe(false);
    const relinked = {
      ...signed,
      settlement: { ...signed.settlement, previous_settlement_hash: 'f'.repeat(64) },
    };
    expect(verifySettlement(relinked, coordinatorPublic)).toBe(false);
  });

  it('diff to nothing when equal, and to one line per difference otherwise', () => {
    expect(diffSettlements(settlement, structuredClone(settlement))).toEqual([]);
    const other = structuredClone(settlement) as Settlement;
    (other.nodes[1] as { reward: string }).reward = '1';
    other.nodes.pop();
    other.withheld = '5';
    expect(diffSettlements(settlement, other)).toEqual([
      `$.nodes[node=node-b].reward: expected "${settlement.nodes[1]?.reward}", got "1"`,
      `$.nodes[node=node-c]: missing, expected ${JSON.stringify(settlement.nodes[2])}`,
      `$.withheld: expected "${settlement.withheld}", got "5"`,
    ]);
  });
});
