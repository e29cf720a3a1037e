import { Type } from 'typebox';
import { METRIC_TYPES } from '../../core/sla/rules.ts';
import { FINISHED_STATUSES } from '../../store/repositories/jobs.ts';
import { Nullable, StringEnum } from '../http/schemas.ts';

const Iso = Type.String({ format: 'date-time' });
const Count = Type.Integer({ minimum: 0 });
const Counts = (keys: readonly string[], description: string) =>
  Type.Object(Object.fromEntries(keys.map((k) => [k, Count])), { description });
const Rates = (keys: readonly string[]) =>
  Type.Object(Object.fromEntries(keys.map((k) => [k, Type.Number({ minimum: 0 })])), {
    description: 'Jobs per minute over the window',
  });

const EpochSummary = Type.Object({
  epoch: Type.Integer(),
  state: StringEnum(['open', 'reporting', 'settling', 'settled']),
  starts_at: Iso,
  ends_at: Iso,
  report_window_ends_at: Iso,
  time_left_s: Type.Integer({ minimum: 0, description: 'Seconds until ends_at; 0 once it has passed' }),
  report_window_left_s: Type.Integer({
    minimum: 0,
    description: 'Seconds until report_window_ends_at; 0 once it has passed',
  }),
  members: Nullable(
    Type.Integer({ description: 'Nodes taking part; null until the member snapshot is taken' }),
  ),
  group_size: Nullable(Type.Integer()),
  reports_received: Type.Integer({ minimum: 0, description: 'Monitors’ reports accepted for this epoch' }),
  reports_expected: Nullable(
    Type.Integer({ description: 'Assigned monitors: every member when the group size is at least 1' }),
  ),
});

/** GET /fleet/summary: the dashboard overview in one answer. */
export const FleetSummaryView = Type.Object({
  at: Type.String({ format: 'date-time', description: 'The coordinator’s clock when it answered' }),
  sla: Type.Object({
    status: StringEnum(['healthy', 'degraded', 'critical'], 'As GET /sla/status judges it'),
    open_violations: Count,
    open_by_severity: Counts(['critical', 'high'], 'Open violations by severity'),
    open_by_metric: Counts(METRIC_TYPES, 'Open violations by metric'),
    last_collection_at: Nullable(Iso),
    last_collection_age_s: Nullable(Type.Integer({ minimum: 0 })),
  }),
  capacity: Type.Object(
    {
      total_nodes: Count,
      live_nodes: Count,
      total_parallel_capacity: Count,
      live_parallel_capacity: Count,
      busy_slots: Count,
      free_slots: Count,
      total_queue_length: Count,
      capacity_utilization_pct: Nullable(Type.Number()),
      capacity_availability_pct: Nullable(Type.Number()),
    },
    { description: 'Now, from the nodes’ latest heartbeats, as a collection’s capacity snapshot counts it' },
  ),
  epoch: Nullable(EpochSummary),
  previous_epoch: Nullable(EpochSummary),
  topics: Type.Array(
    Type.Object({
      name: Type.String(),
      ready: Count,
      ready_now: Count,
      leased: Count,
      dead: Count,
      oldest_ready_age_ms: Count,
    }),
    { description: 'Each topic’s queue, as GET /topics shows it' },
  ),
  jobs: Type.Object({
    window_s: Type.Integer({ description: 'The counts are of the last window_s seconds' }),
    tenant_id: Nullable(Type.String({ description: 'Whose jobs are counted: null for every tenant’s' })),
    submitted: Count,
    finished: Counts(FINISHED_STATUSES, 'Jobs that finished in the window, by the status they ended in'),
    per_minute: Rates(['submitted', 'finished', ...FINISHED_STATUSES]),
  }),
});
