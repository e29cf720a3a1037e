export interface GroupCommit<T, R> {
  /** Resolves with the item's own result once the write that carried it is committed. */
  submit(item: T): Promise<R>;
  /** Waits for everything submitted so far to be written. */
  drain(): Promise<void>;
}

/**
 * Group commit: items that arrive while a write is in flight wait for the next one, so a
 * stream of small writes pays one transaction (one lock, one commit) per batch instead of one
 * per item. `write` takes a batch and returns one result per item, in order, once it is
 * durable; a caller is answered only then. When a batch fails, each of its items is written
 * alone, so an item the store refuses fails by itself and never the others that shared its
 * commit (all fail only if the store itself is down).
 */
export function createGroupCommit<T, R>({
  write,
  maxBatch,
}: {
  write: (items: T[]) => Promise<R[]>;
  maxBatch: number;
}): GroupCommit<T, R> {
  interface Pending {
    item: T;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
  }
  let queue: Pending[] = [];
  let flushing: Promise<void> | null = null;

  async function writeAndSettle(batch: Pending[]): Promise<void> {
    const results = await write(batch.map((p) => p.item));
    batch.forEach((p, i) => {
      p.resolve(results[i] as R);
    });
  }

  async function flushAll(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await writeAndSettle(batch);
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        for (const p of batch) {
          try {
            await writeAndSettle([p]);
          } catch (alone) {
            p.reject(alone);
          }
        }
      }
    }
  }

  function schedule(): void {
    if (flushing !== null) return;
    // setImmediate lets every request already parsed in this turn join the batch.
    flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(flushAll).finally(() => {
      flushing = null;
      if (queue.length > 0) schedule();
    });
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (flushing !== null) await flushing;
    },
  };
}
