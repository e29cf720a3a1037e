import { METRIC_TYPES } from '../../../core/sla/rules.ts';
import type { MetricType } from '../../../core/sla/types.ts';
import { formatNumber, formatPercent } from '../../lib/format.ts';

/**
 * The violations page's filters as they live in the fragment's query
 * (`#/violations?status=open&metric=uptime_pct&since=2026-11-01T01:00`), and the API call they
 * make. Pure, so unit-tested; the page only reads and writes these.
 */
export interface ViolationFilters {
  status: '' | 'open' | 'resolved';
  metric: '' | MetricType;
  severity: '' | 'critical' | 'high';
  node: string;
  /** A `datetime-local` value read as UTC (`2026-11-01T01:00`), or ''. */
  since: string;
  until: string;
  /** Where the page starts: the API's keyset cursor, or '' for the newest. */
  cursor: string;
}

export const PAGE_SIZE = 50;

export const METRIC_LABELS: Record<MetricType, string> = {
  uptime_pct: 'Uptime',
  response_time_ms: 'Response time',
  completion_rate_pct: 'Completion rate',
  capacity_availability_pct: 'Capacity availability',
};

export const METRICS: readonly MetricType[] = METRIC_TYPES;

const STATUSES = ['open', 'resolved'] as const;
const SEVERITIES = ['critical', 'high'] as const;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | '' {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : '';
}

/** A `datetime-local` value taken as UTC, as RFC 3339 (`…T01:00:00Z`); null when it is not one. */
export function utcInputToIso(value: string): string | null {
  if (!LOCAL_TIME.test(value)) return null;
  const iso = `${value.length === 16 ? `${value}:00` : value}Z`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

/** The filters a fragment's query holds; anything unknown or malformed reads as "no filter". */
export function filtersFrom(params: URLSearchParams): ViolationFilters {
  const time = (name: string) => {
    const value = params.get(name) ?? '';
    return utcInputToIso(value) === null ? '' : value;
  };
  return {
    status: oneOf(params.get('status'), STATUSES),
    metric: oneOf(params.get('metric'), METRICS),
    severity: oneOf(params.get('severity'), SEVERITIES),
    node: (params.get('node') ?? '').trim(),
    since: time('since'),
    until: time('until'),
    cursor: params.get('cursor') ?? '',
  };
}

/** The fragment's query for `href('/violations', …)`: only the filters that are set. */
export function fragmentQuery(f: ViolationFilters): Record<string, string | undefined> {
  return {
    status: f.status || undefined,
    metric: f.metric || undefined,
    severity: f.severity || undefined,
    node: f.node || undefined,
    since: f.since || undefined,
    until: f.until || undefined,
    cursor: f.cursor || undefined,
  };
}

/** `GET /sla/violations` with these filters, one page of `PAGE_SIZE`. */
export function violationsPath(f: ViolationFilters): string {
  const params = new URLSearchParams();
  const set = (name: string, value: string | null) =>
    value !== null && value !== '' && params.set(name, value);
  set('resolved', f.status === '' ? null : String(f.status === 'resolved'));
  set('node_id', f.node);
  set('metric_type', f.metric);
  set('severity', f.severity);
  set('since', utcInputToIso(f.since));
  set('until', utcInputToIso(f.until));
  set('limit', String(PAGE_SIZE));
  set('cursor', f.cursor);
  return `/sla/violations?${params}`;
}

/** The cursor in the API's `Link: rel="next"` target, or null on the last page. */
export function cursorOf(next: string | null): string | null {
  if (next === null) return null;
  return new URL(next, 'http://x').searchParams.get('cursor');
}

/** Whether any filter (not the page) is set. */
export function filtered(f: ViolationFilters): boolean {
  return (
    f.status !== '' ||
    f.metric !== '' ||
    f.severity !== '' ||
    f.node !== '' ||
    f.since !== '' ||
    f.until !== ''
  );
}

/** A reading in its metric's unit: percentages for the rates, whole milliseconds for response time. */
export function formatReading(metric: string, value: number | null): string {
  if (metric !== 'response_time_ms') return formatPercent(value, 2);
  const ms = formatNumber(value);
  return ms === '—' ? ms : `${ms} ms`;
}
