/**
 * The shapes the scaling policies and `decide()` share. Everything here is plain data: the
 * persisted state round-trips through JSON, and times are UTC milliseconds passed in, never
 * read from a clock, so a decision can be replayed from its inputs.
 */

/** One reading of a metric, as `autoscaler/sources/source.ts` delivers it. */
export interface Reading {
  value: number;
  /** When it was read or measured (UTC ms). */
  at: number;
}

/** Readings of one tick by metric name; a name with no reading is missing data. */
export type Readings = Readonly<Record<string, Reading | undefined>>;

/**
 * The seed's policy: a queue above `high` (below `low`) for `breaches` readings in a row
 * proposes one replica more (fewer).
 */
export interface WatermarkPolicy {
  kind: 'watermark';
  name: string;
  /** The reading compared with the watermarks (a queue's length). */
  metric: string;
  high: number;
  low: number;
  /** Consecutive readings beyond a watermark before it proposes a step. */
  breaches: number;
  /** A reading older than this is stale. */
  max_age_s: number;
}

/** The HPA formula: desired = ceil(replicas × metric / target). */
export interface TargetPolicy {
  kind: 'target';
  name: string;
  metric: string;
  /** The value per replica aimed for (a utilization of 0.7, 20 queued jobs per replica). */
  target: number;
  /**
   * `per_replica`: the metric is already an average over the running replicas (HPA's
   * Utilization and AverageValue of a per-pod metric). `total`: a sum over the target, such
   * as a queue's length, divided by the running replicas first (KEDA's queue scalers).
   */
  metric_type: 'per_replica' | 'total';
  /** No change while |metric / target − 1| ≤ tolerance (HPA: 0.1). */
  tolerance: number;
  max_age_s: number;
}

/** Replicas from backlog, arrival rate and measured throughput so work meets its deadline. */
export interface BacklogPolicy {
  kind: 'backlog';
  name: string;
  /** Jobs waiting or in service. */
  backlog: string;
  /** Jobs arriving per second, measured over a recent window. */
  arrival_rate_per_s: string;
  /** Jobs one busy replica finishes per second (1 / mean service time), measured. */
  throughput_per_replica_per_s: string;
  /** From submission to the job's deadline, or the wait aimed for when there is none. */
  deadline_s: number;
  /** From asking for a replica to its first claim. */
  startup_s: number;
  /** Extra capacity over the computed need, as a fraction (0.1: 10 % more). */
  headroom: number;
  /** Staleness limit for backlog and arrival rate, which move from tick to tick. */
  max_age_s: number;
  /** Staleness limit for the throughput, a property of the service that moves slowly. */
  throughput_max_age_s: number;
}

/** Which of a forecast's figures the forecast policy sizes for. */
export type ForecastLevel = 'point' | 'upper80' | 'upper95';

/**
 * Replicas for the demand forecast over the next `lead_s` (the replicas' start-up time), so a
 * predicted rise finds them running. It only ever asks for what the forecast needs: with no
 * fresh forecast it proposes nothing, and it is not meant to lower a count on its own.
 */
export interface ForecastPolicy {
  kind: 'forecast';
  name: string;
  /** The reading: forecast demand in slots, the peak at `level` over the next `lead_s`. */
  metric: string;
  level: ForecastLevel;
  /** How far ahead the reading looks; shown in the reason. */
  lead_s: number;
  /** Slots one replica serves (its workers' concurrency for the topic). */
  slots_per_replica: number;
  /** The busy share of its slots a replica is sized for (0.8: 20 % spare). */
  target_utilization: number;
  max_age_s: number;
}

export type Policy = WatermarkPolicy | TargetPolicy | BacklogPolicy | ForecastPolicy;

/** How fast one direction may move. */
export interface DirectionBehaviour {
  /** Replicas that may be added (removed) within one period. */
  max_step: number;
  /** The same as a percentage of the count at the period's start; the larger limit applies. */
  max_step_pct: number;
  period_s: number;
  /**
   * Scale down: only to the highest recommendation seen within this window. Scale up: only
   * to the lowest (HPA's scale-up stabilization, 0 by default).
   */
  stabilization_s: number;
}

export interface Behaviour {
  scale_up: DirectionBehaviour;
  scale_down: DirectionBehaviour;
  /** After any change, no scale-down for this long (a scale-up is never delayed by it). */
  cooldown_s: number;
}

/** One scaled target's configuration. */
export interface ScaledTarget {
  min_replicas: number;
  max_replicas: number;
  paused: boolean;
  behaviour: Behaviour;
  /** Combined by taking the largest proposal, as HPA does with several metrics. */
  policies: readonly Policy[];
}

/** What a policy remembers between ticks (only the watermark remembers anything). */
export interface WatermarkState {
  above: number;
  below: number;
  /** The `at` of the last reading counted, so a reading seen twice counts once. */
  last_at: number | null;
}

/** Persisted between ticks, as plain JSON. */
export interface ScalingState {
  /** By policy name. */
  watermarks: Record<string, WatermarkState>;
  /** Recommendations (after bounds) within the longest stabilization window, oldest first. */
  recommendations: { at: number; replicas: number }[];
  /** Changes of the desired count within the longest step period, oldest first. */
  changes: { at: number; from: number; to: number }[];
}

export const EMPTY_STATE: ScalingState = Object.freeze({
  watermarks: {},
  recommendations: [],
  changes: [],
}) as ScalingState;

/** One policy's proposal: a count, or null when its data is missing or stale. */
export interface Proposal {
  policy: string;
  replicas: number | null;
  reason: string;
}

export type ReasonCode =
  | 'scale_up'
  | 'scale_down'
  | 'hold'
  | 'stabilized'
  | 'bounded'
  | 'cooldown'
  | 'paused'
  | 'no_data';

export interface DecideInput {
  now_ms: number;
  /** Replicas running and ready, read back from the platform. */
  actual: number;
  /** The desired count stored at the last decision; null before the first. */
  desired: number | null;
  target: ScaledTarget;
  readings: Readings;
  state: ScalingState;
}

export interface Decision {
  proposals: Proposal[];
  /** The largest proposal, or null when every policy proposed nothing. */
  recommended: number | null;
  /** The new desired count. */
  replicas: number;
  reason: ReasonCode;
  /** One line for logs and the decision's record. */
  detail: string;
  state: ScalingState;
}
