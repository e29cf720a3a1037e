import type { BucketValue, Sample } from '../../core/series/downsample.ts';
import { openCounts } from '../../core/series/open-count.ts';
import type { MetricType } from '../../core/sla/types.ts';
import type { Db } from '../../store/capabilities.ts';
import {
  readNodeMetricSamples,
  readSnapshotSamples,
  readViolationChanges,
  type SnapshotColumn,
} from '../../store/repositories/series.ts';
import { readTopicSamples, type TopicSampleColumn } from '../../store/repositories/topic-samples.ts';

// Every series GET /series can draw, what it is drawn from and how a bucket sums it up
// (docs/api.md, "Time series"; decision 0070).

export const SERIES_NAMES = [
  'node.uptime_pct',
  'node.response_time_ms',
  'node.completion_rate_pct',
  'fleet.live_nodes',
  'fleet.slots',
  'fleet.busy',
  'fleet.queued',
  'fleet.availability_pct',
  'fleet.violations_open',
  'jobs.finished',
  'jobs.submitted',
  'topic.ready',
  'topic.leased',
  'topic.oldest_age_s',
] as const;

export type SeriesName = (typeof SERIES_NAMES)[number];

/** What one series needs to be read: the range, and its node or topic where it has one. */
export interface SampleRequest {
  from: number;
  to: number;
  nodeId: string;
  topic: string;
}

/** A series read from stored readings, summarised per bucket by `value`. */
interface SampledSeries {
  kind: 'sampled';
  subject: 'node' | 'fleet' | 'topic';
  unit: string;
  value: BucketValue;
  /** The SLA metric whose threshold the answer carries, for the chart to draw. */
  metric?: MetricType;
  read(db: Db, r: SampleRequest): Promise<Sample[]>;
}

/** Jobs counted per minute (core/series/rates.ts); read by the series reader itself. */
interface JobRateSeries {
  kind: 'jobs';
  subject: 'jobs';
  unit: 'jobs/min';
  value: 'mean';
  at: 'created_at' | 'finished_at';
}

export type SeriesDefinition = SampledSeries | JobRateSeries;

const nodeMetric = (metric: MetricType, unit: string): SampledSeries => ({
  kind: 'sampled',
  subject: 'node',
  unit,
  value: 'mean',
  metric,
  read: (db, r) => readNodeMetricSamples(db, r.nodeId, metric, r.from, r.to),
});

const snapshot = (column: SnapshotColumn, unit: string, metric?: MetricType): SampledSeries => ({
  kind: 'sampled',
  subject: 'fleet',
  unit,
  value: 'mean',
  ...(metric === undefined ? {} : { metric }),
  read: (db, r) => readSnapshotSamples(db, column, r.from, r.to),
});

const topicSample = (column: TopicSampleColumn, unit: string, scale = 1): SampledSeries => ({
  kind: 'sampled',
  subject: 'topic',
  unit,
  value: 'mean',
  read: async (db, r) =>
    (await readTopicSamples(db, r.topic, column, r.from, r.to)).map((s) => ({
      t: s.t,
      value: s.value * scale,
    })),
});

/** Open violations at each collection: a collection is the only time one opens or resolves. */
const violationsOpen: SampledSeries = {
  kind: 'sampled',
  subject: 'fleet',
  unit: 'violations',
  value: 'last',
  async read(db, r) {
    const collections = await readSnapshotSamples(db, 'total_nodes', r.from, r.to);
    const times = collections.map((s) => s.t);
    const counts = openCounts(await readViolationChanges(db, r.from, r.to), times);
    return times.map((t, i) => ({ t, value: counts[i] as number }));
  },
};

export const SERIES: Record<SeriesName, SeriesDefinition> = {
  'node.uptime_pct': nodeMetric('uptime_pct', '%'),
  'node.response_time_ms': nodeMetric('response_time_ms', 'ms'),
  'node.completion_rate_pct': nodeMetric('completion_rate_pct', '%'),
  'fleet.live_nodes': snapshot('live_nodes', 'nodes'),
  'fleet.slots': snapshot('live_parallel_capacity', 'slots'),
  'fleet.busy': snapshot('busy_slots', 'slots'),
  'fleet.queued': snapshot('total_queue_length', 'jobs'),
  'fleet.availability_pct': snapshot('capacity_availability_pct', '%', 'capacity_availability_pct'),
  'fleet.violations_open': violationsOpen,
  'jobs.finished': { kind: 'jobs', subject: 'jobs', unit: 'jobs/min', value: 'mean', at: 'finished_at' },
  'jobs.submitted': { kind: 'jobs', subject: 'jobs', unit: 'jobs/min', value: 'mean', at: 'created_at' },
  'topic.ready': topicSample('ready', 'jobs'),
  'topic.leased': topicSample('leased', 'jobs'),
  'topic.oldest_age_s': topicSample('oldest_ready_age_ms', 's', 1 / 1000),
};
