import { Type } from 'typebox';
import { DIRECTIONS } from '../../core/sla/rules.ts';
import { TOPIC_NAME } from '../../core/work/topic.ts';
import { FINISHED_STATUSES } from '../../store/repositories/jobs.ts';
import { NodeId, Nullable, StringEnum } from '../http/schemas.ts';
import { SERIES_NAMES } from './catalogue.ts';

const Instant = (description: string) => Type.String({ format: 'date-time', description });

/** GET /series' query: which series, whose, over which range, in how many points at most. */
export const SeriesQuery = Type.Object(
  {
    name: StringEnum(SERIES_NAMES, 'The series (docs/api.md, “Time series”)'),
    node_id: Type.Optional({ ...NodeId, description: 'The node, for the node.* series (and only them)' }),
    topic: Type.Optional(
      Type.String({
        pattern: TOPIC_NAME.source,
        description: 'The topic, for the topic.* series; narrows the jobs.* series to one topic',
      }),
    ),
    status: Type.Optional(
      StringEnum(FINISHED_STATUSES, 'jobs.finished only: count only the jobs that ended in this status'),
    ),
    hours: Type.Optional(
      Type.Number({
        minimum: 0.01,
        maximum: 24 * 400,
        description:
          'The last `hours` before `to` (default 24); a fraction for less than an hour (0.25 is 15 minutes)',
      }),
    ),
    from: Type.Optional(Instant('Start of the range (RFC 3339); not with `hours`')),
    to: Type.Optional(Instant('End of the range (RFC 3339); default now')),
    points: Type.Optional(
      Type.Integer({ minimum: 2, maximum: 2000, default: 300, description: 'At most this many points' }),
    ),
  },
  { additionalProperties: false },
);

const SeriesPoint = Type.Object({
  t: Type.Integer({ description: 'The bucket’s start, UTC milliseconds' }),
  value: Type.Number({ description: 'The bucket’s mean or last reading (bucket_value)' }),
  min: Type.Number(),
  max: Type.Number(),
  count: Type.Integer({ minimum: 1, description: 'Readings (for jobs.*, minutes) the bucket sums up' }),
});

/** GET /series' answer: one series, downsampled. */
export const SeriesView = Type.Object({
  name: StringEnum(SERIES_NAMES),
  node_id: Type.Optional(Type.String()),
  topic: Type.Optional(Type.String()),
  status: Type.Optional(StringEnum(FINISHED_STATUSES)),
  tenant_id: Type.Optional(
    Nullable(Type.String({ description: 'jobs.*: whose jobs are counted; null for every tenant’s' })),
  ),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  bucket_ms: Type.Integer({ description: 'Each bucket’s width; buckets start at multiples of it' }),
  unit: Type.String(),
  bucket_value: StringEnum(['mean', 'last'], 'What a point’s value is: the mean or the last reading'),
  percentile: Type.Optional(Type.Number({ description: 'node.response_time_ms: which percentile it is' })),
  points: Type.Array(SeriesPoint, { description: 'Oldest first; a bucket without readings has no point' }),
  threshold: Type.Optional(
    Type.Object(
      {
        metric: Type.String(),
        direction: StringEnum([...new Set(Object.values(DIRECTIONS))], 'min: breaches below; max: above'),
        value: Type.Number(),
        bands: Type.Array(
          Type.Object({ severity: Type.String(), value: Type.Number({ description: 'Where it begins' }) }),
        ),
      },
      { description: 'The configured SLA threshold of the metric, for the chart to draw' },
    ),
  ),
});
