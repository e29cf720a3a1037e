import { freshReading, type PolicyContext } from './readings.ts';
import type { ForecastLevel, ForecastPolicy, Proposal } from './types.ts';

/** One interval of a demand forecast, as the coordinator's capacity forecast gives it. */
export interface ForecastSlotPoint {
  /** The start of the interval (UTC ms). */
  at: number;
  value: number;
  upper80: number;
  upper95: number;
}

/**
 * The highest demand at `level` over the intervals that overlap [now, now + lead]: what the
 * replicas asked for now will meet once started. Null when no interval of the forecast
 * overlaps the window (it ended, or starts later). Negative bounds count as no demand.
 */
export function forecastPeak(
  points: readonly ForecastSlotPoint[],
  {
    now_ms,
    lead_s,
    interval_s,
    level,
  }: { now_ms: number; lead_s: number; interval_s: number; level: ForecastLevel },
): number | null {
  const until = now_ms + lead_s * 1000;
  let peak: number | null = null;
  for (const p of points) {
    if (p.at + interval_s * 1000 <= now_ms || p.at > until) continue;
    const v = level === 'point' ? p.value : level === 'upper80' ? p.upper80 : p.upper95;
    if (!Number.isFinite(v)) continue;
    peak = Math.max(peak ?? 0, v, 0);
  }
  return peak;
}

/**
 * The forecast policy: ⌈slots ÷ (slots per replica × target utilization)⌉ for the forecast
 * peak; nothing when the forecast is missing or stale, so the other policies decide alone. It
 * proposes what the forecast needs, also when that is fewer than run; but proposals combine
 * by the largest, and `decide()` lets a forecast alone only raise the count, so it never
 * scales a target down by itself (decision 0089).
 */
export function forecastProposal(policy: ForecastPolicy, ctx: PolicyContext): Proposal {
  const fresh = freshReading(ctx.readings, policy.metric, ctx.now_ms, policy.max_age_s);
  if (!fresh.ok) return { policy: policy.name, replicas: null, reason: fresh.why };
  const per_replica = policy.slots_per_replica * policy.target_utilization;
  if (!(per_replica > 0)) {
    return { policy: policy.name, replicas: null, reason: 'slots per replica × utilization is not positive' };
  }
  const slots = Math.max(0, fresh.reading.value);
  // The epsilon keeps 4 slots at 0.8 × 1 from becoming ⌈5.000000000000001⌉ = 6.
  const replicas = Math.max(0, Math.ceil(slots / per_replica - 1e-9));
  if (!Number.isFinite(replicas)) {
    return { policy: policy.name, replicas: null, reason: `${policy.metric}: too large to size by` };
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    policy: policy.name,
    replicas,
    reason:
      `forecast ${policy.level} peak ${r(slots)} slots within ${policy.lead_s} s, ` +
      `${policy.slots_per_replica} per replica at ${policy.target_utilization}`,
  };
}
