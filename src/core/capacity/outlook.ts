import type { Accuracy, ForecastAnswer, ForecastPoint, Level } from '../forecast/types.ts';

/** What a scope's forecast says about its capacity (decision 0087). */
export interface CapacityOutlook {
  /** Slots live now (the latest interval's mean). */
  current_capacity: number;
  /** Slots the forecast needs by the horizon: the peak of the interval's upper bound ÷ the utilisation ceiling. */
  projected_capacity: number;
  /** `+25%`, `-10%`, `none`, or `+N slots` when nothing is live. */
  recommended_scaling: string;
  /** The backtest's coverage of that interval (how often such an interval held the truth); the nominal level without one. */
  confidence: number;
  /** The peak of the point forecast and of the upper bound, and when the point forecast peaks. */
  peak: { value: number; upper: number; at: number };
  /** The first interval the point forecast passes the live slots; null if it never does within the horizon. */
  exceeds_supply_at: number | null;
  /** The same for the upper bound at the chosen risk: how soon it may. */
  may_exceed_supply_at: number | null;
  /** The first interval the point forecast's utilisation of the live slots passes the ceiling. */
  crosses_threshold_at: number | null;
  /** Forecast utilisation there, in percent. */
  crossing_pct: number | null;
}

export interface OutlookInput {
  points: readonly ForecastPoint[];
  /** When step 1 starts; steps are `intervalMs` apart. */
  firstAt: number;
  intervalMs: number;
  supply: number;
  /** Utilisation ceiling in percent (capacity.alert_threshold_pct). */
  thresholdPct: number;
  risk: Level;
  /** The chosen model's backtest coverage at each level, if measured. */
  accuracy?: Accuracy | undefined;
}

const upperOf = (p: ForecastPoint, risk: Level) => (risk === 0.8 ? p.upper80 : p.upper95);

/**
 * Reads a forecast against the live supply: how many slots the peak needs at the ceiling, when
 * demand is expected (point) or may (upper bound) pass supply, and when utilisation passes the
 * ceiling. Demand below zero is no demand.
 */
export function capacityOutlook(input: OutlookInput): CapacityOutlook {
  const { points, firstAt, intervalMs, supply, thresholdPct, risk } = input;
  const ceiling = thresholdPct / 100;
  let peak = { value: 0, upper: 0, at: firstAt };
  let exceeds: number | null = null;
  let mayExceed: number | null = null;
  let crosses: number | null = null;
  let crossingPct: number | null = null;
  points.forEach((p, i) => {
    const at = firstAt + i * intervalMs;
    const value = Math.max(0, p.value);
    const upper = Math.max(0, upperOf(p, risk));
    if (value > peak.value) peak = { ...peak, value, at };
    if (upper > peak.upper) peak = { ...peak, upper };
    if (exceeds === null && value > supply) exceeds = at;
    if (mayExceed === null && upper > supply) mayExceed = at;
    if (crosses === null && value > 0 && (supply === 0 || value / supply > ceiling)) {
      crosses = at;
      crossingPct = supply === 0 ? null : (100 * value) / supply;
    }
  });
  const projected = ceiling > 0 ? Math.ceil(peak.upper / ceiling) : Math.ceil(peak.upper);
  const measured = risk === 0.8 ? input.accuracy?.coverage80 : input.accuracy?.coverage95;
  return {
    current_capacity: supply,
    projected_capacity: projected,
    recommended_scaling: scalingText(supply, projected),
    confidence: measured ?? risk,
    peak,
    exceeds_supply_at: exceeds,
    may_exceed_supply_at: mayExceed,
    crosses_threshold_at: crosses,
    crossing_pct: crossingPct,
  };
}

/** The seed's `recommended_scaling`: the change from the live slots to the projected, in percent. */
export function scalingText(current: number, projected: number): string {
  if (current <= 0) return projected > 0 ? `+${projected} slots` : 'none';
  const change = Math.round((100 * (projected - current)) / current);
  if (change === 0) return 'none';
  return change > 0 ? `+${change}%` : `${change}%`;
}

/** The forecast's points when it has some; the answer's kind says why not otherwise. */
export function forecastPoints(answer: ForecastAnswer): readonly ForecastPoint[] {
  return answer.kind === 'forecast' ? answer.points : [];
}
