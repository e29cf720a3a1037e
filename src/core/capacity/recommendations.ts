import { toIso } from '../time.ts';
import type { CapacityOutlook } from './outlook.ts';

export type RecommendationAction = 'add_nodes' | 'remove_nodes' | 'raise_max_replicas';
export type Priority = 'critical' | 'high' | 'medium' | 'low';
export type CapacityState = 'healthy' | 'warning' | 'critical' | 'over_provisioned' | 'insufficient_history';

/** One scope's forecast read for recommendations, or why there is none. */
export type ScopeOutlook =
  | {
      scope: string;
      topic: string | null;
      kind: 'forecast';
      outlook: CapacityOutlook;
      /** Slots per live node in this scope (for a topic: per node with a worker for it). */
      slots_per_node: number;
      /** Utilisation of the live slots now, in percent; null without live slots. */
      utilization_pct: number | null;
      model: string;
      mase: number | null;
      /** When the forecast's horizon ends, and how long the longest season used is. */
      horizon_end: number;
      longest_season_ms: number;
      /** The autoscaler's target that sizes this topic's pool, if one does. */
      autoscaled?: AutoscaledPool | undefined;
    }
  | { scope: string; topic: string | null; kind: 'insufficient'; reason: string };

/** A topic pool the autoscaler sizes between its bounds. */
export interface AutoscaledPool {
  target: string;
  max_replicas: number;
  slots_per_replica: number;
}

export interface Recommendation {
  action: RecommendationAction;
  /** Whole nodes (slots needed or spare ÷ slots per node), or replicas to raise a target's maximum by. */
  quantity: number;
  reason: string;
  priority: Priority;
  scope: string;
  topic: string | null;
  /** The instant the recommendation concerns: when demand is expected to pass the ceiling, or the peak. */
  by: string;
  slots_needed: number;
}

export interface Recommendations {
  current_state: CapacityState;
  recommendations: Recommendation[];
  /** Scopes without a forecast, and why. */
  notes: string[];
}

const DAY_MS = 86_400_000;

/**
 * The seed's recommendations, computed (decision 0087). Per scope with a forecast: when the
 * peak needs more slots than are live, add `ceil(missing slots ÷ slots per node)` nodes; when
 * at least one whole node's slots would be spare all through a horizon that covers a whole
 * longest season, remove the spare nodes. Priority follows how soon and how likely:
 * **critical** when utilisation is above the ceiling now or demand is expected to pass the
 * live slots within a day; **high** when it is expected to pass the ceiling within a day or the
 * live slots within the horizon; **medium** when expected to pass the ceiling within the
 * horizon; **low** when only the upper bound at the chosen risk does, and for removals.
 */
export function recommend(
  scopes: readonly ScopeOutlook[],
  { now, thresholdPct, risk }: { now: number; thresholdPct: number; risk: number },
): Recommendations {
  const recommendations: Recommendation[] = [];
  const notes: string[] = [];
  let forecasts = 0;
  for (const s of scopes) {
    if (s.kind === 'insufficient') {
      notes.push(`${label(s)}: ${s.reason}`);
      continue;
    }
    forecasts++;
    const made = recommendationFor(s, { now, thresholdPct, risk });
    if (made !== null) recommendations.push(made);
  }
  const order: Priority[] = ['critical', 'high', 'medium', 'low'];
  recommendations.sort((a, b) => order.indexOf(a.priority) - order.indexOf(b.priority));
  return { current_state: stateOf(recommendations, forecasts), recommendations, notes };
}

function recommendationFor(
  s: Extract<ScopeOutlook, { kind: 'forecast' }>,
  options: { now: number; thresholdPct: number; risk: number },
): Recommendation | null {
  if (s.autoscaled !== undefined) return autoscaledRecommendation(s, s.autoscaled, options);
  const { now, thresholdPct, risk } = options;
  const o = s.outlook;
  const perNode = s.slots_per_node > 0 ? s.slots_per_node : 1;
  const evidence = `${s.model} forecast${s.mase === null ? '' : `, backtest MASE ${s.mase.toFixed(2)}`}`;
  const missing = o.projected_capacity - o.current_capacity;
  const riskPct = Math.round(risk * 100);
  if (missing > 0) {
    const soon = (at: number | null) => at !== null && at - now <= DAY_MS;
    const overNow = s.utilization_pct !== null && s.utilization_pct > thresholdPct;
    const priority: Priority =
      overNow || soon(o.exceeds_supply_at)
        ? 'critical'
        : soon(o.crosses_threshold_at) || o.exceeds_supply_at !== null
          ? 'high'
          : o.crosses_threshold_at !== null
            ? 'medium'
            : 'low';
    const by = o.crosses_threshold_at ?? o.may_exceed_supply_at ?? o.peak.at;
    const expected =
      o.crosses_threshold_at !== null
        ? `expected to pass ${thresholdPct}% of the ${fmt(o.current_capacity)} live slots on ${toIso(o.crosses_threshold_at)}`
        : `within the ${riskPct}% upper bound only`;
    return {
      action: 'add_nodes',
      quantity: Math.ceil(missing / perNode),
      reason:
        `${label(s)} demand ${expected}; it peaks at ${fmt(o.peak.value)} slots ` +
        `(${riskPct}% upper bound ${fmt(o.peak.upper)}) on ${toIso(o.peak.at)}, which needs ` +
        `${o.projected_capacity} slots at ${thresholdPct}% utilisation: ${fmt(missing)} more, ` +
        `${fmt(perNode)} per node (${evidence})`,
      priority,
      scope: s.scope,
      topic: s.topic,
      by: toIso(by),
      slots_needed: missing,
    };
  }
  const spare = -missing;
  const coversSeason = s.horizon_end - now >= s.longest_season_ms;
  if (spare >= perNode && coversSeason) {
    return {
      action: 'remove_nodes',
      quantity: Math.floor(spare / perNode),
      reason:
        `${label(s)} demand peaks at ${fmt(o.peak.value)} slots (${riskPct}% upper bound ` +
        `${fmt(o.peak.upper)}) on ${toIso(o.peak.at)} and never needs more than ` +
        `${o.projected_capacity} of the ${fmt(o.current_capacity)} live slots at ${thresholdPct}% ` +
        `utilisation until ${toIso(s.horizon_end)}: ${fmt(spare)} spare, ${fmt(perNode)} per node (${evidence})`,
      priority: 'low',
      scope: s.scope,
      topic: s.topic,
      by: toIso(s.horizon_end),
      slots_needed: missing,
    };
  }
  return null;
}

/**
 * A pool the autoscaler sizes needs no nodes from anyone: it grows and shrinks itself within
 * its bounds. Only a peak beyond its maximum needs an operator: raise `max_replicas` to the
 * replicas the projection needs. The live slots say nothing of such a pool (it may be at zero
 * between bursts), so urgency is read against the slots its maximum gives: **high** when the
 * point forecast's peak passes the ceiling of those within a day, **medium** when later in the
 * horizon, **low** when only the upper bound at the chosen risk does (decision 0087).
 */
function autoscaledRecommendation(
  s: Extract<ScopeOutlook, { kind: 'forecast' }>,
  pool: AutoscaledPool,
  { now, thresholdPct, risk }: { now: number; thresholdPct: number; risk: number },
): Recommendation | null {
  const o = s.outlook;
  const perReplica = pool.slots_per_replica > 0 ? pool.slots_per_replica : 1;
  const replicas = Math.ceil(o.projected_capacity / perReplica);
  if (replicas <= pool.max_replicas) return null;
  const riskPct = Math.round(risk * 100);
  const maxSlots = pool.max_replicas * perReplica;
  const expected = o.peak.value > (maxSlots * thresholdPct) / 100;
  const priority: Priority = !expected ? 'low' : o.peak.at - now <= DAY_MS ? 'high' : 'medium';
  return {
    action: 'raise_max_replicas',
    quantity: replicas - pool.max_replicas,
    reason:
      `${label(s)} demand peaks at ${fmt(o.peak.value)} slots (${riskPct}% upper bound ` +
      `${fmt(o.peak.upper)}) on ${toIso(o.peak.at)}, which needs ${o.projected_capacity} slots at ` +
      `${thresholdPct}% utilisation: ${replicas} replicas of ${fmt(perReplica)} slots, and ` +
      `autoscaler target ${pool.target} may run at most ${pool.max_replicas} ` +
      `(${fmt(maxSlots)} slots${expected ? '' : `, enough for the expected peak; only the ${riskPct}% upper bound needs more`}): ` +
      `raise its max_replicas to ${replicas} (${s.model} forecast${s.mase === null ? '' : `, backtest MASE ${s.mase.toFixed(2)}`})`,
    priority,
    scope: s.scope,
    topic: s.topic,
    by: toIso(o.peak.at),
    slots_needed: o.projected_capacity - maxSlots,
  };
}

function stateOf(recommendations: readonly Recommendation[], forecasts: number): CapacityState {
  if (forecasts === 0) return 'insufficient_history';
  const adds = recommendations.filter((r) => r.action !== 'remove_nodes');
  if (adds.some((r) => r.priority === 'critical')) return 'critical';
  if (adds.some((r) => r.priority === 'high' || r.priority === 'medium')) return 'warning';
  if (adds.length === 0 && recommendations.length > 0) return 'over_provisioned';
  return 'healthy';
}

function label(s: { topic: string | null }): string {
  return s.topic === null ? 'the fleet' : `topic ${s.topic}`;
}

/** Slots as people read them: whole numbers whole, others to one decimal. */
function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
