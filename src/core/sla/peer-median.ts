import { medianOf } from '../settlement/median.ts';
import { popcount32 } from './slices.ts';

/** One monitor's verdict bits on one node in one bitmap row, as `peer_slices` keeps them. */
export interface MonitorVotes {
  monitor: string;
  up: number;
  down: number;
}

/** One row's monitors, and which of its slices are judged from them (inside the window, no heartbeat). */
export interface JudgedVotes {
  votes: ReadonlyArray<MonitorVotes>;
  judged: number;
}

export interface PeerMedian {
  /** The median monitor's share of up votes over the judged slices it voted on, 0 to 1. */
  share: number;
  /** Judged slices at least one monitor voted on: the slices the share speaks for. */
  votedSlices: number;
}

/**
 * The peers' word on a node over a window, judged as settlement judges an epoch (decision
 * 0053): each monitor's own share of down votes over the judged slices it voted on (a slice
 * where its probes disagreed counts half), then the lower median of those shares across
 * monitors, turned into an up share. A monitor whose own link loses packets sees every target
 * down more often than the others do; as one voice among several it moves the median by at
 * most one rank, instead of moving every slice's mean by its share of the votes.
 */
export function peerMedian(rows: Iterable<JudgedVotes>): PeerMedian {
  const voted = new Map<string, number>();
  const downHalves = new Map<string, number>();
  let votedSlices = 0;
  for (const { votes, judged } of rows) {
    if (judged === 0) continue;
    let any = 0;
    for (const { monitor, up, down } of votes) {
      const seen = ((up | down) & judged) >>> 0;
      if (seen === 0) continue;
      any = (any | seen) >>> 0;
      const onlyDown = (down & ~up & judged) >>> 0;
      const mixed = (up & down & judged) >>> 0;
      voted.set(monitor, (voted.get(monitor) ?? 0) + popcount32(seen));
      downHalves.set(monitor, (downHalves.get(monitor) ?? 0) + 2 * popcount32(onlyDown) + popcount32(mixed));
    }
    votedSlices += popcount32(any);
  }
  if (voted.size === 0) return { share: 0, votedSlices: 0 };
  const downShares = [...voted].map(([monitor, n]) => (downHalves.get(monitor) ?? 0) / (2 * n));
  return { share: 1 - medianOf(downShares), votedSlices };
}
