/** A wait that ends early when woken or closed; a wake while not waiting ends the next wait at once. */
export interface Waker {
  sleep(ms: number): Promise<void>;
  wake(): void;
}

export function createWaker(): Waker {
  let wakeUp: (() => void) | null = null;
  let woken = false;
  return {
    sleep(ms) {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakeUp = null;
          woken = false;
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        wakeUp = done;
      });
    },
    wake() {
      if (wakeUp !== null) wakeUp();
      else woken = true;
    },
  };
}

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Whether `work` settles within `ms`; `work` keeps running either way. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
