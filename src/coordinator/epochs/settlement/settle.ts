import type { VigilConfig } from '../../../config/schema.ts';
import { canonicalJson } from '../../../core/crypto/index.ts';
import {
  type Settlement,
  settleEpoch,
  settlementHash,
  signSettlement,
} from '../../../core/settlement/index.ts';
import type { Db, Tx } from '../../../store/capabilities.ts';
import type { EpochRow } from '../../../store/repositories/epochs.ts';
import { epochReports } from '../../../store/repositories/monitor-reports.ts';
import { type SettlementRow, storeSettlement } from '../../../store/repositories/settlements.ts';
import { drawGroups, isReady } from '../assignments.ts';
import { configFraction } from '../fractions.ts';
import { settleEpochParallel } from '../settlement/index.ts';
import type { CoordinatorKey } from '../signing-key.ts';

/**
 * Below this many reports the per-report work is done on this thread: starting the examiner
 * threads (about 150 ms) costs more than they save (decision 0016).
 */
export const PARALLEL_SETTLEMENT_FROM_REPORTS = 256;

/**
 * The settlement of a recorded epoch from what is stored: its member snapshot and keys, its
 * seed's groups and its accepted reports, with the reward settings in force. A pure function
 * of those, so computing it again gives the identical document, on worker threads or not.
 * Null while the epoch's seed or members are unknown.
 */
export async function computeSettlement(
  db: Db | Tx,
  row: EpochRow,
  settings: Pick<VigilConfig, 'monitoring' | 'rewards'>,
  { parallelFromReports = PARALLEL_SETTLEMENT_FROM_REPORTS }: { parallelFromReports?: number } = {},
): Promise<Settlement | null> {
  if (!isReady(row) || row.previous_settlement_hash === null) return null;
  const { members, assignment } = await drawGroups(db, row);
  const terms = {
    epoch: row.epoch,
    previousSettlementHash: row.previous_settlement_hash,
    // Every member is settled, those without monitors (a network of one) included.
    assignments: new Map(members.map((m) => [m.node_id, assignment.monitorsOf.get(m.node_id) ?? []])),
    monitorKeys: new Map(members.map((m) => [m.node_id, m.public_key])),
    rewardPool: settings.rewards.pool_minor_units,
    quorumFraction: configFraction(settings.monitoring.quorum_fraction),
    downtimeAllowanceFraction: configFraction(settings.rewards.downtime_allowance_fraction),
    latencyAllowanceMs: settings.rewards.latency_allowance_ms,
  };
  const texts = (await epochReports(db, row.epoch)).map((r) => r.body);
  if (texts.length >= parallelFromReports) return settleEpochParallel({ ...terms, reportTexts: texts });
  return settleEpoch({ ...terms, reports: texts.map((text) => JSON.parse(text) as unknown) });
}

/**
 * Settles an epoch, signs it and stores it, unless it is stored already: the stored row is
 * returned either way, so an epoch never gets a second, different settlement.
 */
export async function settleAndStore(
  trx: Tx,
  row: EpochRow,
  {
    settings,
    key,
    now,
  }: { settings: Pick<VigilConfig, 'monitoring' | 'rewards'>; key: CoordinatorKey; now: number },
): Promise<SettlementRow | null> {
  const settlement = await computeSettlement(trx, row, settings);
  if (settlement === null) return null;
  const { signature } = signSettlement(settlement, key.privateKey);
  return storeSettlement(trx, {
    epoch: row.epoch,
    hash: settlementHash(settlement),
    document: canonicalJson(settlement),
    signature,
    public_key: key.publicKey,
    settled_at: now,
  });
}
