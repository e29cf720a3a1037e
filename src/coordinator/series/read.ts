import { bucketGrid, downsample, type Point } from '../../core/series/downsample.ts';
import { MINUTE_MS, ratePoints } from '../../core/series/rates.ts';
import type { MetricRules } from '../../core/sla/rules.ts';
import type { MetricType } from '../../core/sla/types.ts';
import { toIso } from '../../core/time.ts';
import { getNode } from '../../store/repositories/nodes.ts';
import { countJobsPerMinute } from '../../store/repositories/series.ts';
import { getTopic } from '../../store/repositories/topics.ts';
import type { JobStatus } from '../../store/schema-work.ts';
import type { Store } from '../../store/store.ts';
import { notFound } from '../errors.ts';
import { unknownTopic } from '../jobs/submit.ts';
import { SERIES, type SeriesDefinition, type SeriesName } from './catalogue.ts';
import { badParameter, seriesRange } from './range.ts';

export const DEFAULT_POINTS = 300;
/** Readings are bucketed in whole seconds at the finest. */
const SECOND_MS = 1000;

export interface SeriesDeps {
  store: Store;
  /** The configured SLA rules: the thresholds the node and availability series are judged by. */
  rules: MetricRules;
  /** The percentile `node.response_time_ms` is (sla.response_time_percentile). */
  responsePercentile: number;
  now: () => number;
}

export interface SeriesQuery {
  name: SeriesName;
  node_id?: string;
  topic?: string;
  status?: JobStatus;
  hours?: number;
  from?: string;
  to?: string;
  points?: number;
}

/** Refuses a node, topic or status the series does not take, or a node or topic it needs and lacks. */
function checkSubject(def: SeriesDefinition, q: SeriesQuery): void {
  const needs = (param: 'node_id' | 'topic', subject: SeriesDefinition['subject']) => {
    if (def.subject === subject && q[param] === undefined)
      throw badParameter(param, `is needed by ${q.name}`);
  };
  needs('node_id', 'node');
  needs('topic', 'topic');
  if (q.node_id !== undefined && def.subject !== 'node')
    throw badParameter('node_id', `does not apply to ${q.name}`);
  if (q.topic !== undefined && def.subject !== 'topic' && def.subject !== 'jobs')
    throw badParameter('topic', `does not apply to ${q.name}`);
  if (q.status !== undefined && q.name !== 'jobs.finished')
    throw badParameter('status', `applies to jobs.finished only, not ${q.name}`);
}

async function checkExists(store: Store, q: SeriesQuery): Promise<void> {
  if (q.node_id !== undefined && (await getNode(store.db, q.node_id)) === undefined)
    throw notFound(`node ${q.node_id} is not registered`);
  if (q.topic !== undefined && (await getTopic(store.db, q.topic)) === undefined)
    throw unknownTopic(q.topic, 404);
}

/** The configured threshold of an SLA metric, with where each severity starts: for the chart to draw. */
function thresholdOf(metric: MetricType, rules: MetricRules) {
  const rule = rules[metric];
  return {
    metric,
    direction: rule.direction,
    value: rule.threshold,
    bands: rule.bands.map((b) => ({ severity: b.severity, value: b.factor * rule.threshold })),
  };
}

/**
 * One named series over a range, downsampled to at most `points` buckets (decision 0070).
 * Job series count `tenant`'s jobs only when one is given (a tenant key's view).
 */
export async function readSeries(deps: SeriesDeps, q: SeriesQuery, tenant: string | null) {
  const def = SERIES[q.name];
  checkSubject(def, q);
  const range = seriesRange(q, deps.now());
  await checkExists(deps.store, q);
  const maxPoints = q.points ?? DEFAULT_POINTS;
  let from = range.from;
  let to = range.to;
  let widthMs: number;
  let points: Point[];
  if (def.kind === 'jobs') {
    // Whole minutes, the last one complete: [from, to) on the minute grid.
    from = Math.floor(from / MINUTE_MS) * MINUTE_MS;
    to = Math.floor(to / MINUTE_MS) * MINUTE_MS;
    const grid = bucketGrid(from, Math.max(from, to - 1), maxPoints, MINUTE_MS);
    const counts = await countJobsPerMinute(deps.store.db, {
      at: def.at,
      from,
      to,
      ...(q.status === undefined ? {} : { statuses: [q.status] }),
      ...(q.topic === undefined ? {} : { topic: q.topic }),
      ...(tenant === null ? {} : { tenantId: tenant }),
    });
    widthMs = grid.widthMs;
    points = ratePoints(counts, { from, to, grid });
  } else {
    const grid = bucketGrid(from, to, maxPoints, SECOND_MS);
    const samples = await def.read(deps.store.db, {
      from,
      to,
      nodeId: q.node_id ?? '',
      topic: q.topic ?? '',
    });
    widthMs = grid.widthMs;
    points = downsample(samples, { from, to, grid, value: def.value });
  }
  return {
    name: q.name,
    ...(q.node_id === undefined ? {} : { node_id: q.node_id }),
    ...(q.topic === undefined ? {} : { topic: q.topic }),
    ...(q.status === undefined ? {} : { status: q.status }),
    ...(def.kind === 'jobs' ? { tenant_id: tenant } : {}),
    from: toIso(from),
    to: toIso(to),
    bucket_ms: widthMs,
    unit: def.unit,
    bucket_value: def.value,
    ...(q.name === 'node.response_time_ms' ? { percentile: deps.responsePercentile } : {}),
    points,
    ...(def.kind === 'sampled' && def.metric !== undefined
      ? { threshold: thresholdOf(def.metric, deps.rules) }
      : {}),
  };
}
