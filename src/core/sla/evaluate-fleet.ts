import { type CapacityNode, type CapacityReading, computeCapacity } from './capacity.ts';
import { evaluateFleetCapacity, evaluateNode, type MetricReading } from './evaluate.ts';
import type { MetricRules } from './rules.ts';
import { computeUptime, type PeerSliceRow, type SliceRow } from './uptime.ts';

/** What the store holds about one active node, as a collection reads it. */
export interface FleetMember extends CapacityNode {
  node_id: string;
  first_heartbeat_at: number | null;
  /** When a peer first probed the node; null or absent if none ever did. */
  first_peer_probe_at?: number | null;
}

/** Everything one collection reads, keyed by node id. */
export interface FleetEvidence {
  fleet: readonly FleetMember[];
  /** Heartbeat bitmaps in the uptime window. */
  slices: ReadonlyMap<string, ReadonlyArray<SliceRow>>;
  /** The peers' evidence (mostly-up masks and shares of up votes) in the uptime window; absent means none. */
  peerVerdicts?: ReadonlyMap<string, ReadonlyArray<PeerSliceRow>>;
  durations: ReadonlyMap<string, readonly number[]>;
  completion: ReadonlyMap<string, { successes: number; failures: number }>;
}

export interface FleetWindow {
  /** The collection's time: windows end here. */
  at: number;
  sliceMs: number;
  uptimeWindowMs: number;
  livenessTimeoutMs: number;
  responsePercentile: number;
}

/** Every reading of one collection: three per node, then the fleet's capacity. Pure. */
export function evaluateFleet(
  { fleet, slices, peerVerdicts, durations, completion }: FleetEvidence,
  rules: MetricRules,
  w: FleetWindow,
): { readings: MetricReading[]; capacity: CapacityReading } {
  const readings: MetricReading[] = [];
  for (const node of fleet) {
    const uptime = computeUptime({
      rows: slices.get(node.node_id) ?? [],
      peerRows: peerVerdicts?.get(node.node_id) ?? [],
      firstHeartbeatAt: node.first_heartbeat_at,
      firstPeerProbeAt: node.first_peer_probe_at ?? null,
      sliceMs: w.sliceMs,
      windowStart: w.at - w.uptimeWindowMs,
      windowEnd: w.at,
    });
    const evidence = {
      uptime,
      durations: durations.get(node.node_id) ?? [],
      completion: completion.get(node.node_id),
    };
    readings.push(...evaluateNode(node.node_id, evidence, rules, w.responsePercentile));
  }
  const capacity = computeCapacity(fleet, w.at - w.livenessTimeoutMs);
  readings.push(evaluateFleetCapacity(capacity.capacity_availability_pct, rules, { ...capacity }));
  return { readings, capacity };
}
