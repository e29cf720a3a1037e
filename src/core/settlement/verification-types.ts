import type { PublicKeyInput } from '../crypto/ed25519.ts';
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

/** The five checks of docs/settlement.md, "Verifying a settlement", in the order they run. */
export type VerificationCheck = 'signature' | 'chain' | 'groups' | 'reports' | 'settlement';

/** What each check establishes when it finds nothing, for a page or a report to show. */
export const VERIFICATION_CHECKS: ReadonlyArray<{ check: VerificationCheck; title: string }> = [
  { check: 'signature', title: "the coordinator's signature and the settlement's hash" },
  { check: 'chain', title: 'the hash chain to the previous settlement, and the seed' },
  { check: 'groups', title: 'the monitoring groups, recomputed from the member snapshot and the seed' },
  { check: 'reports', title: "every published report, well formed and signed by its monitor's key" },
  { check: 'settlement', title: 'the settlement, recomputed from the reports with its own parameters' },
];

/** One thing that does not match. */
export interface VerificationDifference {
  check: VerificationCheck;
  /** What differs: `settlement hash`, `group of node-03`, `$.nodes[node=node-03].reward`, … */
  subject: string;
  /** What the coordinator published there, when the difference is between two values. */
  published?: unknown;
  /** What verification computed it must be, from the published inputs. */
  recomputed?: unknown;
  /** The difference in one line, prefixed by what found it, as `vigil verify` prints it. */
  line: string;
}

/** One check with what it found. */
export interface CheckOutcome {
  check: VerificationCheck;
  title: string;
  /** Why the check could not run (its inputs were unusable, which another difference says), or null. */
  skipped: string | null;
  differences: VerificationDifference[];
}

export interface EpochVerification {
  /** True exactly when there are no differences. */
  ok: boolean;
  summary: EpochVerificationSummary;
  /** One line per thing that does not match, prefixed by the check that found it. */
  differences: string[];
  /** Every check, in order, with its differences (the same ones as `differences`, with their values). */
  checks: CheckOutcome[];
}
