import { type PeerProbeSummary, recordPeerProbesMany } from '../../store/repositories/peer-slices.ts';
import type { Store } from '../../store/store.ts';

interface Pending {
  summary: PeerProbeSummary;
  resolve: (probes: number) => void;
  reject: (error: unknown) => void;
}

export interface InterimBatcher {
  /** Resolves with the summary's number of probes once it is committed. */
  submit(summary: PeerProbeSummary): Promise<number>;
  /** Waits for everything submitted so far to be written. */
  drain(): Promise<void>;
}

/**
 * Group commit for interim summaries (decision 0052), as the heartbeat batcher does for
 * heartbeats: summaries that arrive while a write is in flight share the next transaction
 * under the `peer-verdicts` lock, so the lock (and on SQLite the one write connection) is
 * taken once per batch instead of once per summary. A request is answered only once its
 * summary is committed.
 */
export function createInterimBatcher({
  store,
  maxBatch = 200,
}: {
  store: Store;
  /** Summaries per transaction; 200 summaries of 24 targets stay a few statement chunks. */
  maxBatch?: number;
}): InterimBatcher {
  let queue: Pending[] = [];
  let flushing: Promise<void> | null = null;

  const write = async (batch: Pending[]) => {
    const counts = await recordPeerProbesMany(
      store,
      batch.map((p) => p.summary),
    );
    batch.forEach((p, i) => {
      p.resolve(counts[i] ?? 0);
    });
  };

  async function flushAll(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await write(batch);
      } catch (error) {
        if (batch.length === 1) {
          batch[0]?.reject(error);
          continue;
        }
        // A summary the store refuses must not fail the others that shared its commit.
        for (const p of batch) {
          try {
            await write([p]);
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
    submit(summary) {
      return new Promise<number>((resolve, reject) => {
        queue.push({ summary, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (flushing !== null) await flushing;
    },
  };
}
