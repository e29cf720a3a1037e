export interface CapacityNode {
  max_parallel: number;
  last_heartbeat_at: number | null;
  busy_slots: number | null;
  queue_length: number | null;
}

export interface CapacityReading {
  total_nodes: number;
  live_nodes: number;
  /** Parallel slots of every registered node: what the fleet would have if all were up. */
  total_parallel_capacity: number;
  live_parallel_capacity: number;
  busy_slots: number;
  free_slots: number;
  total_queue_length: number;
  /** Busy share of live slots. */
  capacity_utilization_pct: number | null;
  /** Free live slots as a share of all registered slots: dead nodes count as unavailable. */
  capacity_availability_pct: number | null;
}

/**
 * Fleet capacity in parallel slots, not busy flags. A node is live when its last heartbeat
 * is at or after `liveSince`. A node reporting more busy slots than it has is clamped, so
 * one misreporting node cannot push availability negative.
 */
export function computeCapacity(nodes: readonly CapacityNode[], liveSince: number): CapacityReading {
  let total = 0;
  let live = 0;
  let liveCapacity = 0;
  let busy = 0;
  let queue = 0;
  for (const n of nodes) {
    total += n.max_parallel;
    if (n.last_heartbeat_at === null || n.last_heartbeat_at < liveSince) continue;
    live++;
    liveCapacity += n.max_parallel;
    busy += Math.min(n.max_parallel, Math.max(0, n.busy_slots ?? 0));
    queue += Math.max(0, n.queue_length ?? 0);
  }
  const free = liveCapacity - busy;
  return {
    total_nodes: nodes.length,
    live_nodes: live,
    total_parallel_capacity: total,
    live_parallel_capacity: liveCapacity,
    busy_slots: busy,
    free_slots: free,
    total_queue_length: queue,
    capacity_utilization_pct: liveCapacity === 0 ? null : (100 * busy) / liveCapacity,
    capacity_availability_pct: total === 0 ? null : (100 * free) / total,
  };
}
