/** The autoscaler's tables (migration 0011). */
export interface AutoscalerTables {
  leader_leases: LeaderLeasesTable;
  autoscaler_targets: AutoscalerTargetsTable;
  autoscaler_decisions: AutoscalerDecisionsTable;
}

/** Who may act for a role that must act once per store (the autoscaler), and since when. */
export interface LeaderLeasesTable {
  name: string;
  holder: string;
  /** Grows by one at every change of holder: the fencing token every write checks. */
  token: number;
  acquired_at: number;
  expires_at: number;
}

export interface AutoscalerTargetsTable {
  name: string;
  /**
   * 1 when an operator paused it (ticks record a `paused` decision and change nothing), 0 when
   * an operator resumed it; null: as the configuration says.
   */
  paused: number | null;
  /** The operator's bounds (PATCH /autoscaler/targets/{name}); null: the configuration's. */
  min_replicas: number | null;
  max_replicas: number | null;
  /** The count the last tick decided; null before the first. */
  desired: number | null;
  /** JSON: the policies' state between ticks. */
  state: string;
  /** When the desired count last changed (cooldowns count from it). */
  last_scaled_at: number | null;
  updated_at: number;
}

export interface AutoscalerDecisionsTable {
  id: string;
  target: string;
  at: number;
  /** What made the tick: `interval`, `queue` or `block`. */
  tick: string;
  /** `scale_up`, `scale_down`, `hold`, `paused`, `no_data`, … (core/scaling). */
  reason: string;
  /** Replicas the deployer reported at the tick. */
  actual: number;
  previous_desired: number | null;
  desired: number;
  /** JSON: the readings the policies saw. */
  inputs: string;
  /** JSON: each policy's proposal and why. */
  proposals: string;
  /** JSON: what the deployer did (started, stopping, detail), or null when nothing. */
  action: string | null;
}
