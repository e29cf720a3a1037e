import { parseTimestamp } from '../../core/time.ts';
import { badRequest } from '../errors.ts';

const HOUR_MS = 3_600_000;
/** The longest range a series covers: the longest retention of the data it reads (rollup_days' default). */
export const MAX_RANGE_MS = 400 * 24 * HOUR_MS;
const DEFAULT_HOURS = 24;

/** A query's parameter refused: the problem names it, as schema validation does. */
export function badParameter(name: string, message: string): Error {
  return badRequest(`querystring.${name} ${message}`, {
    errors: [{ location: `querystring.${name}`, message }],
  });
}

function instant(name: 'from' | 'to', value: string): number {
  const ms = parseTimestamp(value);
  if (ms === null) throw badParameter(name, 'must be an RFC 3339 date-time with a zone, from 1970 on');
  return ms;
}

/**
 * The range a series query asks for, both ends included: `from`–`to`, or the `hours` before
 * `to`; `to` defaults to now and `hours` to 24. Refused, naming the parameter: both `hours`
 * and `from`, a range that ends before it starts, and one longer than 400 days.
 */
export function seriesRange(q: { hours?: number; from?: string; to?: string }, now: number) {
  if (q.hours !== undefined && q.from !== undefined) {
    throw badParameter('hours', 'cannot be combined with from: give from (and to), or hours (and to)');
  }
  const to = q.to === undefined ? now : instant('to', q.to);
  // Nothing is stored before 1970: an hours-long range reaching back past it starts there.
  // Whole milliseconds: a fraction of an hour can make a fraction of one, which the store's
  // integer times refuse.
  const from =
    q.from === undefined
      ? Math.max(0, Math.floor(to - (q.hours ?? DEFAULT_HOURS) * HOUR_MS))
      : instant('from', q.from);
  if (from >= to) throw badParameter('from', 'must be before to');
  if (to - from > MAX_RANGE_MS) throw badParameter('from', 'must be at most 400 days before to');
  return { from, to };
}
