import { createGroupCommit } from '../../platform/group-commit.ts';
import { type Heartbeat, writeHeartbeats } from '../../store/repositories/heartbeats.ts';
import type { Store } from '../../store/store.ts';

export interface HeartbeatBatcher {
  /** Resolves once the heartbeat is committed: true, or false when its node is not registered. */
  submit(beat: Heartbeat): Promise<boolean>;
  /** Waits for everything submitted so far to be written. */
  drain(): Promise<void>;
}

/**
 * Group commit for heartbeats (platform/group-commit.ts). Each write is one transaction with a
 * fixed number of statements, so ingest scales with the batch instead of paying a commit per
 * heartbeat. A request is answered only after its heartbeat is durable: nothing accepted is
 * lost, and a heartbeat the store refuses fails alone.
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
  const group = createGroupCommit<Heartbeat, boolean>({
    maxBatch,
    async write(beats) {
      // One transaction for the whole batch; it names the node ids it did not know.
      const unknown = await store.transaction((trx) =>
        writeHeartbeats(trx, beats, sliceMs, store.capabilities),
      );
      return beats.map((beat) => {
        const known = !unknown.has(beat.node_id);
        onWritten(known);
        return known;
      });
    },
  });
  return { submit: (beat) => group.submit(beat), drain: () => group.drain() };
}
