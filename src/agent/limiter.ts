/** At most `concurrency` tasks run at once; the rest wait in arrival order. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

export function createLimiter(concurrency: number): Limiter {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
  }
  let active = 0;
  const queue: Array<() => void> = [];

  function release(): void {
    const next = queue.shift();
    if (next !== undefined) next();
    else active--;
  }

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      // A released slot passes straight to the next waiter, so `active` never overshoots.
      if (active < concurrency) active++;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
