/** Why a wait ended. */
export type WaitEnd = 'woken' | 'timeout' | 'aborted' | 'closed' | 'full';

export interface ClaimWaiters {
  /** How many times work was announced for the topic: read it before looking, pass it to `wait`. */
  generation(topic: string): number;
  /**
   * Waits until work is announced for the topic (at once if it was announced since
   * `seenGeneration`), `ms` pass, the signal aborts or the waiters close. `full` when too
   * many claims already wait: the caller answers at once instead.
   */
  wait(topic: string, ms: number, seenGeneration: number, signal?: AbortSignal): Promise<WaitEnd>;
  /** Work arrived for the topic on this coordinator (a submission, a retry, a release). */
  notify(topic: string): void;
  /** Ends every wait and every later one at once (shutdown). */
  close(): void;
  readonly waiting: number;
}

/**
 * Long-polling claims park here instead of re-querying the queue: a submission to this
 * coordinator wakes its topic's claims at once. Work that arrives elsewhere (another
 * coordinator, a backoff running out) is found by the claim's own polling, so a missed wake-up
 * only costs a poll interval. The generation counter closes the gap between a claim finding
 * nothing and starting to wait.
 */
export function createClaimWaiters({ max = 10_000 }: { max?: number } = {}): ClaimWaiters {
  const parked = new Map<string, Set<(end: WaitEnd) => void>>();
  const generations = new Map<string, number>();
  let count = 0;
  let closed = false;

  return {
    generation: (topic) => generations.get(topic) ?? 0,
    get waiting() {
      return count;
    },
    wait(topic, ms, seenGeneration, signal) {
      if (closed) return Promise.resolve('closed');
      if ((generations.get(topic) ?? 0) !== seenGeneration) return Promise.resolve('woken');
      if (signal?.aborted) return Promise.resolve('aborted');
      if (count >= max) return Promise.resolve('full');
      return new Promise<WaitEnd>((resolve) => {
        const set = parked.get(topic) ?? new Set();
        parked.set(topic, set);
        const finish = (end: WaitEnd) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (set.delete(finish)) count--;
          if (set.size === 0 && parked.get(topic) === set) parked.delete(topic);
          resolve(end);
        };
        const onAbort = () => finish('aborted');
        const timer = setTimeout(() => finish('timeout'), Math.max(0, ms));
        signal?.addEventListener('abort', onAbort, { once: true });
        set.add(finish);
        count++;
      });
    },
    notify(topic) {
      generations.set(topic, (generations.get(topic) ?? 0) + 1);
      for (const finish of [...(parked.get(topic) ?? [])]) finish('woken');
    },
    close() {
      closed = true;
      for (const set of [...parked.values()]) for (const finish of [...set]) finish('closed');
    },
  };
}
