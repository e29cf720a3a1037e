/**
 * Paging through GET /jobs, which walks newest first by `before_ms` (docs/api.md). Passing
 * the last job's `created_at_ms` as `before_ms` would skip the other jobs created in that same
 * millisecond, so a page's cursor is the millisecond after it plus how many of that
 * millisecond's jobs were already shown (`skip`): the next page asks for that many more and
 * drops them. Jobs are ordered by (created_at, job_id), so the dropped ones are exactly those.
 */

/** Where a page starts: jobs created before `beforeMs`, less the first `skip` of them. */
export interface PageCursor {
  beforeMs: number;
  skip: number;
}

/** GET /jobs answers at most this many jobs. */
export const API_MAX_LIMIT = 1000;

/** What to ask GET /jobs for a page of `limit` jobs from `cursor` (or the newest). */
export function pageRequest(
  cursor: PageCursor | null,
  limit: number,
): { before_ms: number | undefined; limit: number } {
  if (cursor === null) return { before_ms: undefined, limit };
  return { before_ms: cursor.beforeMs, limit: Math.min(API_MAX_LIMIT, limit + cursor.skip) };
}

/** The page itself out of what GET /jobs answered for `pageRequest(cursor, limit)`. */
export function pageOf<T>(answered: readonly T[], cursor: PageCursor | null): T[] {
  return answered.slice(cursor?.skip ?? 0);
}

/**
 * The cursor of the page after `page` (jobs newest first), or null when this page was not
 * full (there is no older job). When more of one millisecond's jobs were shown than a request
 * can skip, it falls back to the API's own cursor, which may skip some.
 */
export function nextCursor(
  page: ReadonlyArray<{ created_at_ms: number }>,
  cursor: PageCursor | null,
  limit: number,
): PageCursor | null {
  if (page.length < limit) return null;
  const last = page[page.length - 1]?.created_at_ms;
  if (last === undefined) return null;
  const sameMs = page.filter((job) => job.created_at_ms === last).length;
  // The jobs skipped for this page were all of the millisecond before its cursor.
  const shownBefore = cursor !== null && cursor.beforeMs === last + 1 ? cursor.skip : 0;
  const skip = shownBefore + sameMs;
  if (limit + skip > API_MAX_LIMIT) return { beforeMs: last, skip: 0 };
  return { beforeMs: last + 1, skip };
}

/** A cursor from the fragment's query (`before`, `skip`), or null for the newest page. */
export function cursorOf(query: URLSearchParams): PageCursor | null {
  const before = Number(query.get('before'));
  if (!Number.isSafeInteger(before) || before <= 0) return null;
  const skip = Number(query.get('skip') ?? 0);
  return { beforeMs: before, skip: Number.isSafeInteger(skip) && skip > 0 ? skip : 0 };
}
