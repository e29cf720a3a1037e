import type { VigilConfig } from '../../src/config/schema.ts';
import { type RollupGrain, rollupGrain } from '../../src/core/sla/rollup.ts';
import { sliceAddress, windowMask } from '../../src/core/sla/slices.ts';
import { seededRandom } from '../../src/simulator/profiles.ts';

/**
 * A synthetic fleet, generated deterministically (same seed, same rows) so both backends
 * are measured on identical data and a sample can be replayed through the real write path.
 * Everything is produced in the shape the repositories would have stored it in.
 */
export interface FleetSpec {
  nodes: number;
  outcomes: number;
  /** The collection clock: the first collection runs at `now`. */
  now: number;
  sliceMs: number;
  uptimeWindowMs: number;
  uptimeThresholdPct: number;
  completionWindowMs: number;
  /** Outcome rollup buckets: fine (1/168 of the window) and coarse (24 fine). */
  grain: RollupGrain;
  sampleSize: number;
  /** Monitors auditing each node: their verdicts are in peer_verdict_slices (0: none). */
  peers: number;
}

export const HEARTBEAT_INTERVAL_MS = 30_000;
/** Heartbeats start an hour before the uptime window, so nodes are not judged from mid-window. */
const HISTORY_BEFORE_WINDOW_MS = 3_600_000;
const HOUR = 3_600_000;

export type NodeKind = 'steady' | 'outage' | 'edge-gap' | 'down';

export interface NodeProfile {
  index: number;
  node_id: string;
  max_parallel: number;
  topic: string;
  kind: NodeKind;
  /** No heartbeats and no outcomes in [gapStart, gapEnd). */
  gapStart: number;
  gapEnd: number;
  /** Durations several times the fleet's (response-time violations). */
  slow: boolean;
  /** Fails about one job in seven (completion-rate violations). */
  flaky: boolean;
  phaseMs: number;
  busy_slots: number;
  queue_length: number;
  seed: number;
}

/** The simulator's seeded generator (mulberry32): tiny, fast and good enough for synthetic data. */
export const prng = seededRandom;

const TOPICS = ['inference', 'render', 'transcode', 'embedding'];

/**
 * The mix of node behaviours: 2 % with one outage of 30 min to 6 h inside the window,
 * 0.5 % with a gap at the window's start just long enough to breach uptime (the next
 * collection's window slides past one slice of it and resolves the violation), 0.5 % that
 * stopped sending heartbeats 1–6 h ago, and independently 1 % slow and 1 % flaky nodes.
 */
export function nodeProfile(index: number, spec: FleetSpec): NodeProfile {
  const seed = Math.imul(index + 1, 0x9e3779b1) >>> 0;
  const rnd = prng(seed);
  const windowStart = spec.now - spec.uptimeWindowMs;
  const r = rnd();
  let kind: NodeKind = 'steady';
  let gapStart = Number.POSITIVE_INFINITY;
  let gapEnd = Number.POSITIVE_INFINITY;
  if (r < 0.02) {
    kind = 'outage';
    const length = 30 * 60_000 + Math.floor(rnd() * 5.5 * HOUR);
    gapStart = windowStart + HOUR + Math.floor(rnd() * (spec.uptimeWindowMs - 2 * HOUR - length));
    gapEnd = gapStart + length;
  } else if (r < 0.025) {
    kind = 'edge-gap';
    const fromSlice = Math.ceil(windowStart / spec.sliceMs);
    const total = Math.floor(spec.now / spec.sliceMs) - fromSlice;
    const downSlices = Math.floor(total * (1 - spec.uptimeThresholdPct / 100)) + 1;
    gapStart = windowStart - 30 * 60_000;
    gapEnd = (fromSlice + downSlices) * spec.sliceMs;
  } else if (r < 0.03) {
    kind = 'down';
    gapStart = spec.now - HOUR - Math.floor(rnd() * 5 * HOUR);
  }
  const max_parallel = 2 + Math.floor(rnd() * 7);
  return {
    index,
    node_id: nodeId(index),
    max_parallel,
    topic: TOPICS[index % TOPICS.length] as string,
    kind,
    gapStart,
    gapEnd,
    slow: rnd() < 0.01,
    flaky: rnd() < 0.01,
    phaseMs: Math.floor(rnd() * HEARTBEAT_INTERVAL_MS),
    // About 15 % of slots busy: a fleet with headroom, so capacity stays within its threshold.
    busy_slots: Math.floor(rnd() * rnd() * (max_parallel * 0.6 + 1)),
    queue_length: Math.floor(rnd() * rnd() * 20),
    seed,
  };
}

export const nodeId = (index: number): string => `node-${String(index).padStart(6, '0')}`;

export const aliveAt = (p: NodeProfile, t: number): boolean => t < p.gapStart || t >= p.gapEnd;

/** The times a node's heartbeats arrive in [from, to): every 30 s, 0.5 % lost, none in its gap. */
export function heartbeatTimes(p: NodeProfile, spec: FleetSpec, from: number, to: number): number[] {
  const origin = spec.now - spec.uptimeWindowMs - HISTORY_BEFORE_WINDOW_MS + p.phaseMs;
  const rnd = prng(p.seed ^ Math.floor(from / HEARTBEAT_INTERVAL_MS));
  const times: number[] = [];
  const first =
    origin + Math.max(0, Math.ceil((from - origin) / HEARTBEAT_INTERVAL_MS)) * HEARTBEAT_INTERVAL_MS;
  for (let t = first; t < to; t += HEARTBEAT_INTERVAL_MS) {
    if (aliveAt(p, t) && rnd() >= 0.005) times.push(t);
  }
  return times;
}

export const historyStart = (spec: FleetSpec): number =>
  spec.now - spec.uptimeWindowMs - HISTORY_BEFORE_WINDOW_MS;

/** The heartbeat_slices rows a list of heartbeat times leaves behind (writeHeartbeats' OR of bits). */
export function sliceRows(
  times: readonly number[],
  sliceMs: number,
): Array<{ row_start: number; mask: number }> {
  const rows = new Map<number, number>();
  for (const t of times) {
    const { rowStart, bit } = sliceAddress(t, sliceMs);
    rows.set(rowStart, ((rows.get(rowStart) ?? 0) | (1 << bit)) >>> 0);
  }
  return [...rows].map(([row_start, mask]) => ({ row_start, mask }));
}

/**
 * The peers' verdict rows for one node, as recordPeerProbes derives them: `peers` monitors
 * (the next nodes in the fleet) each saw the node up in the slices its heartbeats cover and
 * down in the others of the history, so the median is what the heartbeats say and the
 * collection does all the work of reading and judging the monitors' votes.
 */
export function peerVerdictRows(
  p: NodeProfile,
  spec: FleetSpec,
  heartbeatRows: ReadonlyArray<{ row_start: number; mask: number }>,
): Array<{ row_start: number; up: number; down: number; monitors: string[] }> {
  if (spec.peers === 0) return [];
  const monitors = Array.from({ length: spec.peers }, (_, k) => nodeId((p.index + k + 1) % spec.nodes));
  const firstSlice = Math.floor(historyStart(spec) / spec.sliceMs);
  const lastSlice = Math.floor(spec.now / spec.sliceMs);
  return heartbeatRows.map(({ row_start, mask }) => {
    const probed = windowMask(Math.round(row_start / spec.sliceMs), firstSlice, lastSlice);
    return { row_start, up: (mask & probed) >>> 0, down: (~mask & probed) >>> 0, monitors };
  });
}

/** The data set's spec from a configuration's SLA settings: what every benchmark on it builds. */
export function fleetSpecFor(
  sla: VigilConfig['sla'],
  { nodes, outcomes, now, peers }: Pick<FleetSpec, 'nodes' | 'outcomes' | 'now' | 'peers'>,
): FleetSpec {
  return {
    nodes,
    outcomes,
    now,
    sliceMs: sla.slice_s * 1000,
    uptimeWindowMs: sla.uptime_window_s * 1000,
    uptimeThresholdPct: sla.thresholds.uptime_pct,
    completionWindowMs: sla.completion_window_s * 1000,
    grain: rollupGrain(sla.completion_window_s),
    sampleSize: sla.response_time_sample_size,
    peers,
  };
}
