/** Why a node earned nothing. */
export type NoRewardReason =
  /** Nobody was assigned to audit it (a network of one). */
  | 'no_monitors'
  /** Fewer counted reports than the quorum: no verdict, no score. */
  | 'quorum_not_met'
  /** Scored 0: down for every check, or latency a million times the allowance. */
  | 'zero_score'
  /** Scored above 0, but its share of the pool floors to 0 minor units. */
  | 'rounded_to_zero';

/** Why a submitted report did not count. */
export type RejectionReason =
  | 'malformed'
  | 'wrong_epoch'
  /** Its monitor audits nobody this epoch. */
  | 'not_assigned'
  /** No public key is registered for its monitor. */
  | 'unknown_key'
  | 'bad_signature'
  /** Its monitor signed two different reports for the epoch: neither counts. */
  | 'conflicting_reports';

export interface RejectedReport {
  monitor: string | null;
  /** The report digest, null when the report has no canonical form. */
  digest: string | null;
  reason: RejectionReason;
}

/** One node's inputs and result. Medians and score are null without a quorum. */
export interface NodeSettlement {
  node: string;
  monitors_assigned: number;
  /** Assigned monitors whose accepted report has at least one sample of this node. */
  reports_counted: number;
  quorum_required: number;
  quorum_met: boolean;
  /** Median samples: the checks the allowance is a share of. */
  checks: number | null;
  /** Median down samples, in probe intervals. */
  downtime_intervals: number | null;
  /** Median of the monitors' mean latencies; null when none measured one. */
  latency_ms: number | null;
  /** 0–1,000,000. */
  score_ppm: number | null;
  /** Integer minor units, as a decimal string. */
  reward: string;
  reason: NoRewardReason | null;
}

export interface SettlementParameters {
  /** Integer minor units, as a decimal string. */
  reward_pool: string;
  /** Share of a node's group whose reports make a quorum, e.g. "1/2". */
  quorum_fraction: string;
  /** Share of checks that may be down before the reward is reduced, e.g. "1/30". */
  downtime_allowance_fraction: string;
  latency_allowance_ms: number;
}

/** The coordinator's per-epoch result; its hash is the next epoch's `previous_settlement_hash`. */
export interface Settlement {
  version: 1;
  epoch: number;
  previous_settlement_hash: string;
  /** RFC 6962 root over the digests of the accepted reports (see merkleRoot). */
  reports_merkle_root: string;
  reports_accepted: number;
  reports_rejected: RejectedReport[];
  parameters: SettlementParameters;
  /** Every audited node, sorted by node id. */
  nodes: NodeSettlement[];
  total_reward: string;
  /** reward_pool − total_reward: reductions, missing quorums and rounding. */
  withheld: string;
}

/** A settlement with the coordinator's ed25519 signature over its canonical JSON, base64url. */
export interface SignedSettlement {
  settlement: Settlement;
  signature: string;
}
