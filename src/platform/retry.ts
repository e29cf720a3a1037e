/**
 * How callers that talk to something across a network wait between attempts: one jittered
 * exponential backoff and one `Retry-After` reader, for the node outboxes, registration and
 * alert delivery alike.
 */

/**
 * `full` draws the wait uniformly below the ceiling (the most spread, for many senders that
 * failed together against one receiver); `equal` draws it in the ceiling's upper half, so a
 * wait never collapses to nothing (a fleet that lost its coordinator still backs off).
 */
export type Jitter = 'full' | 'equal';

export interface BackoffOptions {
  /** The ceiling of the first wait; it doubles per failed attempt up to `maxMs`. */
  initialMs: number;
  maxMs: number;
  jitter?: Jitter;
  /** What the receiver asked for (`Retry-After`); the wait is never shorter, up to `maxMs`. */
  retryAfterMs?: number | null;
  /** Injectable for tests; returns a value in [0, 1). */
  random?: () => number;
}

/** Beyond 2^40 every sensible ceiling is long reached; the cap keeps the product finite. */
const MAX_DOUBLINGS = 40;

/** The wait in ms before the next attempt after `failedAttempts` failed ones (1 for the first). */
export function backoffMs(
  failedAttempts: number,
  { initialMs, maxMs, jitter = 'equal', retryAfterMs = null, random = Math.random }: BackoffOptions,
): number {
  const doublings = Math.min(Math.max(failedAttempts - 1, 0), MAX_DOUBLINGS);
  const ceiling = Math.min(maxMs, initialMs * 2 ** doublings);
  const drawn =
    jitter === 'full' ? Math.floor(random() * ceiling) : Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(drawn, Math.min(retryAfterMs ?? 0, maxMs));
}

/**
 * A `Retry-After` header (seconds, or an HTTP date, as RFC 9110 allows) in ms from `nowMs`;
 * null when absent or unreadable. A receiver that says when to come back knows better than
 * our backoff.
 */
export function parseRetryAfterMs(
  header: string | string[] | null | undefined,
  nowMs: number,
): number | null {
  if (typeof header !== 'string') return null;
  const trimmed = header.trim();
  if (trimmed === '') return null;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
