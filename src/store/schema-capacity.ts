/** Capacity planning's tables (migration 0012). */
export interface CapacityTables {
  capacity_series: CapacitySeriesTable;
}

/**
 * One scope's readings over one interval (decision 0086): `fleet`, or `topic:<name>`. Each
 * capacity sampling adds to the sums and counts itself in `samples`, so a bucket's means are
 * sum ÷ samples however many coordinators sampled or how often; `arrivals` and `work_slot_s`
 * are recounted from the job records while the bucket is recent.
 */
export interface CapacitySeriesTable {
  scope: string;
  interval_s: number;
  bucket_start: number;
  samples: number;
  /** Slots running work (the fleet: nodes' reported busy slots; a topic: its leased jobs). */
  busy_sum: number;
  /** Jobs waiting (ready) in the queue. */
  queued_sum: number;
  /** Slots of live nodes (the fleet: their max_parallel; a topic: its enabled workers' concurrency). */
  supply_sum: number;
  /** Live nodes (a topic: live nodes with a worker for it), for slots per node. */
  live_nodes_sum: number;
  /** Jobs submitted in the interval. */
  arrivals: number;
  /** Their work in slot-seconds: arrivals × the mean attempt duration (decision 0086). */
  work_slot_s: number;
  last_sample_at: number | null;
}
