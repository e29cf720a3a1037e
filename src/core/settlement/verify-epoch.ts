import { type PublicKeyInput, verifyBytes } from '../crypto/ed25519.ts';
import { assignGroups, type GroupAssignment } from '../monitoring/assignment.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../monitoring/seed.ts';
import { encodeReport, reportDigest } from '../reports/sign.ts';
import { compareCodeUnits } from '../reports/summarize.ts';
import type { SignedReport } from '../reports/types.ts';
import { signedReportIssues } from '../reports/validate.ts';
import { diffSettlements, settlementHash, verifySettlement } from './document.ts';
import { settleEpoch } from './settle.ts';
import type { Settlement } from './types.ts';

// The documents below are the coordinator's public reads as the peer-monitoring contract
// (docs/design/peer-monitoring-contract.md) writes them; only the fields verification reads.

/** `GET /epochs/{n}`. */
export interface PublishedEpoch {
  epoch: number;
  state?: string;
  seed: string | null;
  previous_settlement_hash: string | null;
  members: number | null;
  group_size: number | null;
  settlement_hash: string | null;
}

/** One entry of the epoch's member snapshot. */
export interface PublishedMember {
  node_id: string;
  public_key: string;
  endpoint?: string | null;
  agent_url?: string | null;
}

export interface PublishedGroup {
  target: string;
  monitors: string[];
}

/** `GET /epochs/{n}/assignments` without a query: the whole epoch. */
export interface PublishedAssignments {
  epoch: number;
  seed: string;
  group_size: number;
  members: PublishedMember[];
  groups: PublishedGroup[];
}

/** `GET /epochs/{n}/settlement`. */
export interface PublishedSettlement {
  settlement: Settlement;
  signature: string;
  hash: string;
}

export interface VerifyEpochInput {
  epoch: PublishedEpoch;
  assignments: PublishedAssignments;
  /** `GET /epochs/{n}/reports`' `reports`, as received. */
  reports: readonly unknown[];
  settlement: PublishedSettlement;
  /** settlementHash of epoch n−1's settlement; null when epoch n is the first recorded (genesis). */
  previousSettlementHash: string | null;
  coordinatorKey: PublicKeyInput;
}

/** What the published settlement claims; the differences say whether to believe it. */
export interface EpochVerificationSummary {
  epoch: number;
  members: number;
  group_size: number;
  reports_published: number;
  reports_accepted: number;
  reports_rejected: number;
  reward_pool: string;
  total_reward: string;
  withheld: string;
  settlement_hash: string;
  previous_settlement_hash: string;
}

export interface EpochVerification {
  /** True exactly when there are no differences. */
  ok: boolean;
  summary: EpochVerificationSummary;
  /** One line per thing that does not match, prefixed by the check that found it. */
  differences: string[];
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
const list = (ids: readonly string[]): string => `[${ids.join(', ')}]`;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Checks the coordinator's signature and the published hash of one signed settlement. */
function checkSignedSettlement(
  published: PublishedSettlement,
  coordinatorKey: PublicKeyInput,
  label: string,
  out: string[],
): string | null {
  let verified: boolean;
  try {
    verified = verifySettlement(published, coordinatorKey);
  } catch (error) {
    out.push(`${label} signature: cannot check it, the coordinator key is unusable (${messageOf(error)})`);
    verified = true;
  }
  if (!verified) out.push(`${label} signature: does not verify under the coordinator key`);
  let computed: string | null = null;
  try {
    computed = settlementHash(published.settlement);
  } catch (error) {
    out.push(`${label} hash: the settlement has no canonical form (${messageOf(error)})`);
  }
  if (computed !== null && published.hash !== computed) {
    out.push(`${label} hash: published ${show(published.hash)}, computed ${computed}`);
  }
  return computed;
}

/**
 * Checks epoch n−1's signed settlement on its own (signature, hash, epoch number) and returns the
 * hash epoch n must name as `previous_settlement_hash`: the one computed from the document,
 * never the one it claims.
 */
export function checkPreviousSettlement(
  published: PublishedSettlement,
  epoch: number,
  coordinatorKey: PublicKeyInput,
): { hash: string | null; differences: string[] } {
  const differences: string[] = [];
  const hash = checkSignedSettlement(published, coordinatorKey, 'previous settlement', differences);
  if (published.settlement.epoch !== epoch - 1) {
    differences.push(
      `previous settlement: is for epoch ${show(published.settlement.epoch)}, expected ${epoch - 1}`,
    );
  }
  return { hash, differences };
}

/**
 * Compares the groups a coordinator published with a recomputed assignment: one line per target
 * whose monitors differ, is missing, or is not a member. Monitors compare as sets, listed sorted.
 */
export function compareGroups(recomputed: GroupAssignment, published: readonly PublishedGroup[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const group of published) {
    const expected = recomputed.monitorsOf.get(group.target);
    if (seen.has(group.target)) {
      out.push(`assignments: group of ${group.target}: published twice`);
      continue;
    }
    seen.add(group.target);
    if (expected === undefined) {
      out.push(`assignments: group of ${group.target}: published, but ${group.target} is not a member`);
      continue;
    }
    const want = [...expected].sort(compareCodeUnits);
    const got = [...group.monitors].sort(compareCodeUnits);
    if (want.join('\n') !== got.join('\n')) {
      out.push(
        `assignments: group of ${group.target}: published monitors ${list(got)}, recomputed ${list(want)}`,
      );
    }
  }
  for (const target of [...recomputed.monitorsOf.keys()].sort(compareCodeUnits)) {
    if (!seen.has(target)) {
      const want = [...(recomputed.monitorsOf.get(target) ?? [])].sort(compareCodeUnits);
      out.push(`assignments: group of ${target}: not published, recomputed monitors ${list(want)}`);
    }
  }
  return out;
}

/** Epoch numbers, the hash chain and the seed. */
function checkChain(input: VerifyEpochInput, hash: string | null, out: string[]): void {
  const { epoch: view, assignments, settlement: published } = input;
  const n = view.epoch;
  const previous = input.previousSettlementHash ?? GENESIS_SETTLEMENT_HASH;
  const which =
    input.previousSettlementHash === null ? 'the genesis hash' : `epoch ${n - 1}'s settlement hash`;
  if (assignments.epoch !== n)
    out.push(`epoch: the assignments are for epoch ${show(assignments.epoch)}, expected ${n}`);
  if (published.settlement.epoch !== n) {
    out.push(`epoch: the settlement is for epoch ${show(published.settlement.epoch)}, expected ${n}`);
  }
  if (published.settlement.previous_settlement_hash !== previous) {
    out.push(
      `chain: the settlement's previous_settlement_hash is ${show(published.settlement.previous_settlement_hash)}, expected ${previous} (${which})`,
    );
  }
  if (view.previous_settlement_hash !== previous) {
    out.push(
      `chain: the epoch's previous_settlement_hash is ${show(view.previous_settlement_hash)}, expected ${previous} (${which})`,
    );
  }
  const seed = epochSeed(n, previous);
  if (view.seed !== seed)
    out.push(
      `chain: the epoch's seed is ${show(view.seed)}, expected epochSeed(${n}, ${previous}) = ${seed}`,
    );
  if (assignments.seed !== view.seed) {
    out.push(`assignments: seed is ${show(assignments.seed)}, the epoch's seed is ${show(view.seed)}`);
  }
  if (hash !== null && view.settlement_hash !== null && view.settlement_hash !== hash) {
    out.push(`epoch: settlement_hash is ${show(view.settlement_hash)}, the settlement's hash is ${hash}`);
  }
}

/** Recomputes the groups from the member snapshot and the published seed; null when impossible. */
function recomputeGroups(
  input: VerifyEpochInput,
  memberIds: string[],
  out: string[],
): GroupAssignment | null {
  const { epoch: view, assignments } = input;
  if (view.members !== null && view.members !== memberIds.length) {
    out.push(`epoch: members is ${view.members}, the assignments list ${memberIds.length}`);
  }
  if (view.group_size !== null && view.group_size !== assignments.group_size) {
    out.push(`epoch: group_size is ${view.group_size}, the assignments say ${show(assignments.group_size)}`);
  }
  const cap = Math.max(memberIds.length - 1, 0);
  if (assignments.group_size > cap) {
    out.push(`assignments: group_size ${assignments.group_size} is more than members − 1 (${cap})`);
  }
  try {
    const recomputed = assignGroups({
      nodes: memberIds,
      groupSize: assignments.group_size,
      seedHex: assignments.seed,
    });
    out.push(...compareGroups(recomputed, assignments.groups));
    return recomputed;
  } catch (error) {
    out.push(`assignments: cannot recompute the groups: ${messageOf(error)}`);
    return null;
  }
}

/** Every published report must be well formed and signed by its monitor's snapshot key. */
function checkReports(reports: readonly unknown[], keys: ReadonlyMap<string, string>, out: string[]): void {
  reports.forEach((raw, i) => {
    const issues = signedReportIssues(raw);
    if (issues.length > 0) {
      out.push(`reports: report #${i} is malformed: ${issues[0]}`);
      return;
    }
    const signed = raw as SignedReport;
    const { monitor } = signed.report;
    const key = keys.get(monitor);
    const name = `report of ${monitor} (digest ${reportDigest(signed).slice(0, 16)}…)`;
    if (key === undefined) {
      out.push(`reports: ${name}: ${monitor} is not a member of the epoch`);
      return;
    }
    let verified: boolean;
    try {
      verified = verifyBytes(encodeReport(signed.report), signed.signature, key);
    } catch (error) {
      out.push(`reports: ${name}: ${monitor}'s snapshot key is unusable (${messageOf(error)})`);
      return;
    }
    if (!verified) out.push(`reports: ${name}: signature does not verify under ${monitor}'s snapshot key`);
  });
}

/** Reruns settleEpoch with the document's own parameters and lists where the published one differs. */
function recomputeSettlement(
  input: VerifyEpochInput,
  groups: GroupAssignment,
  keys: ReadonlyMap<string, string>,
  out: string[],
): void {
  const published = input.settlement.settlement;
  const { parameters } = published;
  let recomputed: Settlement;
  try {
    recomputed = settleEpoch({
      epoch: input.epoch.epoch,
      // The document's own link, so a broken chain is reported once, by the chain check.
      previousSettlementHash: published.previous_settlement_hash,
      assignments: groups.monitorsOf,
      reports: input.reports,
      monitorKeys: keys,
      rewardPool: parameters.reward_pool,
      quorumFraction: parameters.quorum_fraction,
      downtimeAllowanceFraction: parameters.downtime_allowance_fraction,
      latencyAllowanceMs: parameters.latency_allowance_ms,
    });
  } catch (error) {
    out.push(`settlement: cannot recompute it: ${messageOf(error)}`);
    return;
  }
  for (const line of diffSettlements(recomputed, published)) out.push(`settlement ${line}`);
}

/**
 * Checks one settled epoch from what the coordinator published: the settlement's signature and
 * hash, the hash chain and seed, the groups (recomputed from the member snapshot and seed), every
 * report's signature, and the settlement itself (recomputed with its recorded parameters).
 * Pure: the caller downloads, this only compares.
 */
export function verifyEpoch(input: VerifyEpochInput): EpochVerification {
  const differences: string[] = [];
  const published = input.settlement.settlement;
  const hash = checkSignedSettlement(input.settlement, input.coordinatorKey, 'settlement', differences);
  checkChain(input, hash, differences);
  const keys = new Map<string, string>();
  for (const { node_id, public_key } of input.assignments.members) {
    if (keys.has(node_id)) differences.push(`assignments: member ${node_id} is listed twice`);
    keys.set(node_id, public_key);
  }
  const memberIds = [...keys.keys()].sort(compareCodeUnits);
  const groups = recomputeGroups(input, memberIds, differences);
  checkReports(input.reports, keys, differences);
  if (groups !== null) recomputeSettlement(input, groups, keys, differences);
  return {
    ok: differences.length === 0,
    summary: {
      epoch: input.epoch.epoch,
      members: memberIds.length,
      group_size: input.assignments.group_size,
      reports_published: input.reports.length,
      reports_accepted: published.reports_accepted,
      reports_rejected: Array.isArray(published.reports_rejected) ? published.reports_rejected.length : 0,
      reward_pool: published.parameters.reward_pool,
      total_reward: published.total_reward,
      withheld: published.withheld,
      settlement_hash: hash ?? input.settlement.hash,
      previous_settlement_hash: published.previous_settlement_hash,
    },
    differences,
  };
}

/** True for a previous-settlement hash that names no earlier settlement. */
export function isGenesisHash(hash: string | null): boolean {
  return hash === GENESIS_SETTLEMENT_HASH;
}
