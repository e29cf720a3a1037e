import type { Reading, Readings } from './types.ts';

/** A reading a policy may use, or why it may not. */
export type Freshness = { ok: true; reading: Reading } | { ok: false; why: string };

/**
 * The named reading if it is a finite number no older than `max_age_s` at `now_ms`. A reading
 * from slightly ahead of `now_ms` (another machine's clock) counts as fresh: refusing it would
 * turn clock skew into missing data.
 */
export function freshReading(readings: Readings, name: string, now_ms: number, max_age_s: number): Freshness {
  const reading = readings[name];
  if (reading === undefined) return { ok: false, why: `${name}: no reading` };
  if (!Number.isFinite(reading.value)) return { ok: false, why: `${name}: not a number` };
  const age_ms = now_ms - reading.at;
  if (age_ms > max_age_s * 1000) {
    return { ok: false, why: `${name}: stale (${Math.round(age_ms / 1000)} s old, limit ${max_age_s} s)` };
  }
  return { ok: true, reading };
}

/** What every policy is told about the target besides its readings. */
export interface PolicyContext {
  now_ms: number;
  /** Replicas running and ready: the ones the metrics were measured over. */
  actual: number;
  /** The count the decision starts from (the stored desired count, else the actual one). */
  current: number;
  readings: Readings;
}
