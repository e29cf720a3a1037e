import { createGroupCommit } from '../../platform/group-commit.ts';
import { type PeerProbeSummary, recordPeerProbesMany } from '../../store/repositories/peer-slices.ts';
import type { Store } from '../../store/store.ts';

export interface InterimBatcher {
  /** Resolves with the summary's number of probes once it is committed. */
  submit(summary: PeerProbeSummary): Promise<number>;
  /** Waits for everything submitted so far to be written. */
  drain(): Promise<void>;
}

/**
 * Group commit for interim summaries (decision 0052, platform/group-commit.ts), as for
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
  const group = createGroupCommit<PeerProbeSummary, number>({
    maxBatch,
    write: (summaries) => recordPeerProbesMany(store, summaries),
  });
  return { submit: (summary) => group.submit(summary), drain: () => group.drain() };
}
