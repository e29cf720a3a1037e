/** `GET /fleet/summary` (docs/api.md, The fleet at a glance): the overview in one read. */
export interface EpochSummary {
  epoch: number;
  state: string;
  ends_at: string;
  time_left_s: number;
  report_window_left_s: number;
  members: number | null;
  reports_received: number;
  reports_expected: number;
}

export interface FleetSummary {
  at: string;
  sla: {
    status: 'healthy' | 'degraded' | 'critical';
    open_violations: number;
    open_by_severity: Record<string, number>;
    open_by_metric: Record<string, number>;
    last_collection_at: string | null;
  };
  capacity: {
    total_nodes: number;
    live_nodes: number;
    live_parallel_capacity: number;
    busy_slots: number;
    free_slots: number;
    total_queue_length: number;
    capacity_utilization_pct: number;
  } | null;
  epoch: EpochSummary | null;
  previous_epoch: EpochSummary | null;
  topics: {
    name: string;
    ready: number;
    ready_now: number;
    leased: number;
    dead: number;
    oldest_ready_age_ms: number;
  }[];
  jobs: {
    window_s: number;
    tenant_id: string | null;
    per_minute: Record<string, number>;
  };
}
