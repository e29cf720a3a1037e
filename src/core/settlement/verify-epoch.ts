import { type PublicKeyInput, verifyBytes } from '../crypto/ed25519.ts';
import type { GroupAssignment } from '../monitoring/assignment.ts';
import { epochSeed, GENESIS_SETTLEMENT_HASH } from '../monitoring/seed.ts';
import { encodeReport, reportDigest } from '../reports/sign.ts';
import { compareCodeUnits } from '../reports/summarize.ts';
import type { SignedReport } from '../reports/types.ts';
import { signedReportIssues } from '../reports/validate.ts';
import { settlementDifferences, settlementHash, verifySettlement } from './document.ts';
import { settleEpoch } from './settle.ts';
import type { Settlement } from './types.ts';
import { Findings, messageOf, show } from './verification-findings.ts';
import type {
  EpochVerification,
  PublishedAssignments,
  PublishedEpoch,
  PublishedSettlement,
  VerificationCheck,
  VerifyEpochInput,
} from './verification-types.ts';
import { recomputeGroups } from './verify-groups.ts';

// The published documents and the verification's result: verification-types.ts.
export type {
  CheckOutcome,
  EpochVerification,
  EpochVerificationSummary,
  PublishedAssignments,
  PublishedEpoch,
  PublishedGroup,
  PublishedMember,
  PublishedSettlement,
  VerificationCheck,
  VerificationDifference,
  VerifyEpochInput,
} from './verification-types.ts';
export { VERIFICATION_CHECKS } from './verification-types.ts';
export { compareGroups } from './verify-groups.ts';

/** Checks the coordinator's signature and the published hash of one signed settlement. */
function checkSignedSettlement(
  published: PublishedSettlement,
  coordinatorKey: PublicKeyInput,
  label: string,
  check: VerificationCheck,
  out: Findings,
): string | null {
  let verified: boolean;
  try {
    verified = verifySettlement(published, coordinatorKey);
  } catch (error) {
    out.add(
      check,
      `${label} signature`,
      `${label} signature: cannot check it, the coordinator key is unusable (${messageOf(error)})`,
    );
    verified = true;
  }
  if (!verified)
    out.add(check, `${label} signature`, `${label} signature: does not verify under the coordinator key`);
  let computed: string | null = null;
  try {
    computed = settlementHash(published.settlement);
  } catch (error) {
    out.add(
      check,
      `${label} hash`,
      `${label} hash: the settlement has no canonical form (${messageOf(error)})`,
    );
  }
  if (computed !== null && published.hash !== computed) {
    out.add(
      check,
      `${label} hash`,
      `${label} hash: published ${show(published.hash)}, computed ${computed}`,
      {
        published: published.hash,
        recomputed: computed,
      },
    );
  }
  return computed;
}

function checkPrevious(
  published: PublishedSettlement,
  epoch: number,
  coordinatorKey: PublicKeyInput,
  out: Findings,
): string | null {
  const hash = checkSignedSettlement(published, coordinatorKey, 'previous settlement', 'chain', out);
  if (published.settlement.epoch !== epoch - 1) {
    out.add(
      'chain',
      'previous settlement epoch',
      `previous settlement: is for epoch ${show(published.settlement.epoch)}, expected ${epoch - 1}`,
      { published: published.settlement.epoch, recomputed: epoch - 1 },
    );
  }
  return hash;
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
  const out = new Findings();
  const hash = checkPrevious(published, epoch, coordinatorKey, out);
  return { hash, differences: out.list.map((d) => d.line) };
}

/** Epoch numbers, the hash chain and the seed. */
function checkChain(input: VerifyEpochInput, hash: string | null, out: Findings): void {
  const { epoch: view, assignments, settlement: published } = input;
  const n = view.epoch;
  const previous = input.previousSettlementHash ?? GENESIS_SETTLEMENT_HASH;
  const which =
    input.previousSettlementHash === null ? 'the genesis hash' : `epoch ${n - 1}'s settlement hash`;
  if (assignments.epoch !== n) {
    out.add(
      'chain',
      'epoch of the assignments',
      `epoch: the assignments are for epoch ${show(assignments.epoch)}, expected ${n}`,
      {
        published: assignments.epoch,
        recomputed: n,
      },
    );
  }
  if (published.settlement.epoch !== n) {
    out.add(
      'chain',
      'epoch of the settlement',
      `epoch: the settlement is for epoch ${show(published.settlement.epoch)}, expected ${n}`,
      { published: published.settlement.epoch, recomputed: n },
    );
  }
  const claimed = published.settlement.previous_settlement_hash;
  if (claimed !== previous) {
    out.add(
      'chain',
      "the settlement's previous_settlement_hash",
      `chain: the settlement's previous_settlement_hash is ${show(claimed)}, expected ${previous} (${which})`,
      { published: claimed, recomputed: previous },
    );
  }
  if (view.previous_settlement_hash !== previous) {
    out.add(
      'chain',
      "the epoch's previous_settlement_hash",
      `chain: the epoch's previous_settlement_hash is ${show(view.previous_settlement_hash)}, expected ${previous} (${which})`,
      { published: view.previous_settlement_hash, recomputed: previous },
    );
  }
  const seed = epochSeed(n, previous);
  if (view.seed !== seed) {
    out.add(
      'chain',
      "the epoch's seed",
      `chain: the epoch's seed is ${show(view.seed)}, expected epochSeed(${n}, ${previous}) = ${seed}`,
      { published: view.seed, recomputed: seed },
    );
  }
  if (assignments.seed !== view.seed) {
    out.add(
      'chain',
      "the assignments' seed",
      `assignments: seed is ${show(assignments.seed)}, the epoch's seed is ${show(view.seed)}`,
      { published: assignments.seed, recomputed: seed },
    );
  }
  if (hash !== null && view.settlement_hash !== null && view.settlement_hash !== hash) {
    out.add(
      'chain',
      "the epoch's settlement_hash",
      `epoch: settlement_hash is ${show(view.settlement_hash)}, the settlement's hash is ${hash}`,
      { published: view.settlement_hash, recomputed: hash },
    );
  }
}

/** Every published report must be well formed and signed by its monitor's snapshot key. */
function checkReports(reports: readonly unknown[], keys: ReadonlyMap<string, string>, out: Findings): void {
  reports.forEach((raw, i) => {
    const issues = signedReportIssues(raw);
    if (issues.length > 0) {
      out.add('reports', `report #${i}`, `reports: report #${i} is malformed: ${issues[0]}`);
      return;
    }
    const signed = raw as SignedReport;
    const { monitor } = signed.report;
    const key = keys.get(monitor);
    const name = `report of ${monitor} (digest ${reportDigest(signed).slice(0, 16)}…)`;
    if (key === undefined) {
      out.add('reports', name, `reports: ${name}: ${monitor} is not a member of the epoch`);
      return;
    }
    let verified: boolean;
    try {
      verified = verifyBytes(encodeReport(signed.report), signed.signature, key);
    } catch (error) {
      out.add(
        'reports',
        name,
        `reports: ${name}: ${monitor}'s snapshot key is unusable (${messageOf(error)})`,
      );
      return;
    }
    if (!verified)
      out.add('reports', name, `reports: ${name}: signature does not verify under ${monitor}'s snapshot key`);
  });
}

/** Reruns settleEpoch with the document's own parameters and lists where the published one differs. */
function recomputeSettlement(
  input: VerifyEpochInput,
  groups: GroupAssignment,
  keys: ReadonlyMap<string, string>,
  out: Findings,
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
    out.add('settlement', 'settlement', `settlement: cannot recompute it: ${messageOf(error)}`);
    return;
  }
  for (const d of settlementDifferences(recomputed, published)) {
    const values: { published?: unknown; recomputed?: unknown } = {};
    if ('actual' in d) values.published = d.actual;
    if ('expected' in d) values.recomputed = d.expected;
    out.add('settlement', d.path, `settlement ${d.line}`, values);
  }
}

function verifyInto(input: VerifyEpochInput, out: Findings): EpochVerification {
  const published = input.settlement.settlement;
  const hash = checkSignedSettlement(input.settlement, input.coordinatorKey, 'settlement', 'signature', out);
  checkChain(input, hash, out);
  const keys = new Map<string, string>();
  for (const { node_id, public_key } of input.assignments.members) {
    if (keys.has(node_id))
      out.add('groups', `member ${node_id}`, `assignments: member ${node_id} is listed twice`);
    keys.set(node_id, public_key);
  }
  const memberIds = [...keys.keys()].sort(compareCodeUnits);
  const groups = recomputeGroups(input, memberIds, out);
  checkReports(input.reports, keys, out);
  if (groups !== null) recomputeSettlement(input, groups, keys, out);
  else out.skipped.set('settlement', 'the groups could not be recomputed, so neither can the settlement');
  const differences = out.list.map((d) => d.line);
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
    checks: out.outcomes(),
  };
}

/**
 * Checks one settled epoch from what the coordinator published: the settlement's signature and
 * hash, the hash chain and seed, the groups (recomputed from the member snapshot and seed), every
 * report's signature, and the settlement itself (recomputed with its recorded parameters).
 * Pure: the caller downloads, this only compares.
 */
export function verifyEpoch(input: VerifyEpochInput): EpochVerification {
  return verifyInto(input, new Findings());
}

/** Everything the coordinator publishes about epoch n that verification reads. */
export interface PublishedEpochDocuments {
  /** `GET /epochs/{n}`. */
  epoch: PublishedEpoch;
  /** `GET /epochs/{n}/settlement`. */
  settlement: PublishedSettlement;
  /** `GET /epochs/{n}/assignments`. */
  assignments: PublishedAssignments;
  /** `GET /epochs/{n}/reports`' `reports`, as received. */
  reports: readonly unknown[];
  /** `GET /epochs/{n−1}/settlement`; null when n is 0 or the coordinator has none (404). */
  previousSettlement: PublishedSettlement | null;
  /** The key the settlements must be signed with: `GET /coordinator/identity`'s, or one pinned. */
  coordinatorKey: PublicKeyInput;
}

/**
 * What `vigil verify` and the dashboard's "verify in this browser" conclude about an epoch from
 * its published documents: epoch n−1's settlement is checked on its own and its computed hash
 * is the link epoch n must name (the genesis hash when there is none), then `verifyEpoch`.
 */
export function verifyPublishedEpoch(docs: PublishedEpochDocuments): EpochVerification {
  const out = new Findings();
  const n = docs.epoch.epoch;
  let previousSettlementHash: string | null = null;
  const claimed = docs.settlement.settlement.previous_settlement_hash;
  if (docs.previousSettlement !== null) {
    previousSettlementHash = checkPrevious(docs.previousSettlement, n, docs.coordinatorKey, out);
  } else if (!isGenesisHash(claimed)) {
    out.add(
      'chain',
      'previous settlement',
      `chain: epoch ${n - 1} has no settlement (404), yet epoch ${n}'s settlement names ${claimed} before it`,
      { published: claimed },
    );
  }
  return verifyInto(
    {
      epoch: docs.epoch,
      assignments: docs.assignments,
      reports: docs.reports,
      settlement: docs.settlement,
      previousSettlementHash,
      coordinatorKey: docs.coordinatorKey,
    },
    out,
  );
}

/** True for a previous-settlement hash that names no earlier settlement. */
export function isGenesisHash(hash: string | null): boolean {
  return hash === GENESIS_SETTLEMENT_HASH;
}
