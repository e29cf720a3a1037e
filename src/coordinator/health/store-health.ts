/** How long after the store refused a write the coordinator still says it is not ready. */
export const DEFAULT_FAILURE_WINDOW_MS = 5_000;

/**
 * What the coordinator last learnt about its store's ability to serve: the API notes every
 * error the store said was unavailability (a full disk, a lost connection), and readiness
 * reports not ready while one is recent. A trivial read can still succeed on a full disk, so
 * readiness cannot rest on a probe alone.
 */
export interface StoreHealth {
  noteUnavailable(error: unknown): void;
  /** The last unavailability within the window before `now`, if any. */
  recentFailure(now: number): { at: number; message: string } | null;
}

export function createStoreHealth({
  now,
  windowMs = DEFAULT_FAILURE_WINDOW_MS,
}: {
  now: () => number;
  windowMs?: number;
}): StoreHealth {
  let last: { at: number; message: string } | null = null;
  return {
    noteUnavailable(error) {
      last = { at: now(), message: error instanceof Error ? error.message : String(error) };
    },
    recentFailure(at) {
      return last !== null && at - last.at < windowMs ? last : null;
    },
  };
}
