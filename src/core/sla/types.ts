/** The SLA metrics Vigil computes; the names are the pool hub guide's. */
export type MetricType =
  | 'uptime_pct'
  | 'response_time_ms'
  | 'completion_rate_pct'
  | 'capacity_availability_pct';

/** How bad a breach is, most severe first. */
export type Severity = 'critical' | 'high';
