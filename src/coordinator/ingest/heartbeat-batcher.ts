import { type Heartbeat, writeHeartbeats } from '../../store/repositories/heartbeats.ts';
import type { Store } from '../../store/store.ts';

interface Pending {
  beat: Heartbeat;
  resolve: (known: boolean) => void;
  reject: (error: unknown) => void;
}

export interface HeartbeatBatcher {
  /** Resolves once the heartbeat is committed: true, or false when its node is not registered. */
  submit(beat: Heartbeat): Promise<boolean>;
  /** Waits for everything submitted so far to be written. */
  drain(): Promise<void>;
}

/**
 * Group commit for heartbeats. Requests that arrive while a write is in flight wait for the
 * next one, and each write is one transaction with a fixed number of statements, so ingest
 * scales with the batch instead of paying a commit per heartbeat. A request is answered only
 * after its heartbeat is durable: nothing accepted is lost.
 */
export function createHeartbeatBatcher({
  store,
  sliceMs,
  maxBatch = 5_000,
  onWritten = () => {},
}: {
  store: Store;
  sliceMs: number;
  maxBatch?: number;
  /** Told of each heartbeat once written: whether its node is registered (for metrics). */
  onWritten?: (known: boolean) => void;
}): HeartbeatBatcher {
  let queue: Pending[] = [];
  let flushing: Promise<void> | null = null;

  /** One transaction for the whole batch; the unknown node ids it found. */
  const write = (beats: Pending[]) =>
    store.transaction((trx) =>
      writeHeartbeats(
        trx,
        beats.map((p) => p.beat),
        sliceMs,
        store.capabilities,
      ),
    );

  function settle(batch: Pending[], unknown: Set<string>): void {
    for (const p of batch) {
      const known = !unknown.has(p.beat.node_id);
      onWritten(known);
      p.resolve(known);
    }
  }

  async function flushAll(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        settle(batch, await write(batch));
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        // One heartbeat the store refuses must not fail the others that shared its commit:
        // write each alone, so only the ones at fault (or all, if the store is down) fail.
        for (const p of batch) {
          try {
            settle([p], await write([p]));
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
    submit(beat) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ beat, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (flushing !== null) await flushing;
    },
  };
}
