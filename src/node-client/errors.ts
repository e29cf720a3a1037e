/** 409 slugs that mean "not yet": the same request can succeed later. */
const NOT_YET_CONFLICTS = new Set(['report-window-not-open', 'epoch-not-ready']);

/**
 * A request the coordinator refused or never answered. `status` is null when no answer came
 * (refused connection, timeout, dropped socket). `retryable` tells callers whether to try
 * again: network errors, 5xx, 429, 408, 401 (a clock or a registration an operator can fix;
 * each retry is signed afresh) and the "not yet" conflicts are; 400, 403, 404, 413 and other
 * 409s are final.
 */
export class CoordinatorError extends Error {
  override name = 'CoordinatorError';
  readonly status: number | null;
  /** The problem's `type` URN, e.g. `urn:vigil:problem:report-conflict`; null without one. */
  readonly type: string | null;
  /** The last segment of `type` (`report-conflict`), what callers compare against. */
  readonly slug: string | null;
  readonly retryable: boolean;
  /** From `Retry-After`, when the coordinator said how long to wait. */
  readonly retryAfterMs: number | null;
  readonly problem: Record<string, unknown> | null;

  constructor(
    message: string,
    {
      status = null,
      problem = null,
      retryAfterMs = null,
      cause,
    }: {
      status?: number | null;
      problem?: Record<string, unknown> | null;
      retryAfterMs?: number | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.status = status;
    this.problem = problem;
    this.type = typeof problem?.['type'] === 'string' ? problem['type'] : null;
    this.slug = this.type === null ? null : (this.type.split(':').at(-1) ?? null);
    this.retryAfterMs = retryAfterMs;
    this.retryable =
      status === null ||
      status >= 500 ||
      status === 429 ||
      status === 408 ||
      status === 401 ||
      (status === 409 && this.slug !== null && NOT_YET_CONFLICTS.has(this.slug));
  }
}

/** The caller gave up on the call (draining, stopping) or the client is closed: not a coordinator failure. */
export class CallAbortedError extends Error {
  override name = 'CallAbortedError';
}
