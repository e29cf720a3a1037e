import { exportPublicKey, publicKeyOf } from '../../../src/core/crypto/ed25519.ts';
import { assignGroups } from '../../../src/core/monitoring/assignment.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../../../src/core/monitoring/seed.ts';
import { compareCodeUnits } from '../../../src/core/reports/summarize.ts';
import type { SignedReport } from '../../../src/core/reports/types.ts';
import { settlementHash, signSettlement } from '../../../src/core/settlement/document.ts';
import { settleEpoch } from '../../../src/core/settlement/settle.ts';
import type { Settlement } from '../../../src/core/settlement/types.ts';
import type {
  PublishedAssignments,
  PublishedEpoch,
  PublishedSettlement,
} from '../../../src/core/settlement/verify-epoch.ts';
import { keyNamed } from '../crypto/keys.ts';
import { keysFor, signedBy, summary } from './network.ts';

// What a coordinator publishes for one settled epoch, built with the real core (real ed25519
// keys, assignGroups, settleEpoch, signSettlement), so tests can tamper with one piece at a time.

export const COORDINATOR_PRIVATE_KEY = keyNamed('coordinator');
export const COORDINATOR_PUBLIC_KEY = exportPublicKey(publicKeyOf(COORDINATOR_PRIVATE_KEY));

export const NODES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
const EPOCH_LENGTH_MS = 3_600_000;
const GENESIS_MS = 1_800_000_000_000;

export interface EpochFixture {
  epoch: PublishedEpoch & Record<string, unknown>;
  assignments: PublishedAssignments;
  reports: SignedReport[];
  settlement: PublishedSettlement;
  /** settlementHash of the previous settlement, or null for the genesis epoch. */
  previousSettlementHash: string | null;
}

export interface EpochFixtureOptions {
  epoch: number;
  /** The previous epoch's published settlement; null makes this the first recorded epoch. */
  previous: PublishedSettlement | null;
  nodes?: readonly string[];
  groupSize?: number;
  rewardPool?: string;
}

/** Signs a settlement as the coordinator does and names its hash, as `GET /epochs/{n}/settlement` serves it. */
export function publishSettlement(
  settlement: Settlement,
  key = COORDINATOR_PRIVATE_KEY,
): PublishedSettlement {
  return { ...signSettlement(settlement, key), hash: settlementHash(settlement) };
}

/** charlie is down 40 of 100 checks and delta answers in 300 ms, so rewards differ from node to node. */
function measured(target: string) {
  if (target === 'charlie') return summary(target, 100, 40, 30);
  if (target === 'delta') return summary(target, 100, 0, 300);
  return summary(target, 100, 1, 25);
}

/** A consistent settled epoch: every member reports on its targets, settled and signed. */
export function settledEpoch({
  epoch,
  previous,
  nodes = NODES,
  groupSize = 3,
  rewardPool = '1200000',
}: EpochFixtureOptions): EpochFixture {
  const previousSettlementHash = previous === null ? null : settlementHash(previous.settlement);
  const previousHash = previousSettlementHash ?? GENESIS_SETTLEMENT_HASH;
  const seed = epochSeed(epoch, previousHash);
  const ids = [...nodes].sort(compareCodeUnits);
  const groups = assignGroups({ nodes: ids, groupSize, seedHex: seed });
  const keys = keysFor(ids);
  const reports = ids.map((monitor) =>
    signedBy(monitor, epoch, (groups.targetsOf.get(monitor) ?? []).map(measured)),
  );
  const settlement = publishSettlement(
    settleEpoch({
      epoch,
      previousSettlementHash: previousHash,
      assignments: groups.monitorsOf,
      reports,
      monitorKeys: keys,
      rewardPool,
    }),
  );
  const start_ms = GENESIS_MS + epoch * EPOCH_LENGTH_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    epoch: {
      epoch,
      start: iso(start_ms),
      start_ms,
      end: iso(start_ms + EPOCH_LENGTH_MS),
      end_ms: start_ms + EPOCH_LENGTH_MS,
      report_window_end: iso(start_ms + EPOCH_LENGTH_MS + 60_000),
      report_window_end_ms: start_ms + EPOCH_LENGTH_MS + 60_000,
      state: 'settled',
      seed,
      previous_settlement_hash: previousHash,
      members: ids.length,
      group_size: groups.groupSize,
      settlement_hash: settlement.hash,
      monitoring: { probe_interval_s: 300, probe_timeout_ms: 5000, interim_period_s: 900 },
    },
    assignments: {
      epoch,
      seed,
      group_size: groups.groupSize,
      members: ids.map((node_id, i) => ({
        node_id,
        public_key: keys.get(node_id) as string,
        endpoint: `http://127.0.0.1:${9100 + i}`,
        agent_url: null,
      })),
      groups: ids.map((target) => ({
        target,
        monitors: [...(groups.monitorsOf.get(target) ?? [])].sort(compareCodeUnits),
      })),
    },
    reports,
    settlement,
    previousSettlementHash,
  };
}

/** Epoch 4 (the first one recorded, chained to genesis) and epoch 5 after it. */
export function twoEpochs(): { first: EpochFixture; second: EpochFixture } {
  const first = settledEpoch({ epoch: 4, previous: null });
  const second = settledEpoch({ epoch: 5, previous: first.settlement });
  return { first, second };
}
