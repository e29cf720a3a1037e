import { useEffect, useState } from 'preact/hooks';
import { LoadError, Panel } from '../../components/figures.tsx';
import { getLinkedPage, type LinkedPage } from '../../lib/api.ts';
import { formatDuration, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { PageProps } from '../../shell/page.ts';
import { href } from '../../shell/router.ts';
import { FilterForm } from './filter-form.tsx';
import {
  cursorOf,
  filtered,
  filtersFrom,
  formatReading,
  fragmentQuery,
  METRIC_LABELS,
  type ViolationFilters,
  violationsPath,
} from './filters.ts';

/** A violation as `GET /sla/violations` answers it. */
export interface Violation {
  id: string;
  node_id: string | null;
  subject: string;
  violation_type: string;
  severity: string;
  metric_value: number;
  worst_value: number;
  threshold: number;
  created_at: string;
  resolved_at: string | null;
  violation_duration_ms: number | null;
}

const SEVERITY_TONE: Record<string, string> = { critical: 'bad', high: 'warn' };

/** How long an open violation has lasted, counted on every second. */
function OpenFor({ since }: { since: string }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return <>open for {formatDuration(Math.max(0, now - Date.parse(since)))}</>;
}

function Row({ v }: { v: Violation }) {
  const metric = METRIC_LABELS[v.violation_type as keyof typeof METRIC_LABELS] ?? v.violation_type;
  return (
    <tr>
      <th scope="row">
        {v.node_id === null ? (
          v.subject
        ) : (
          <a href={href(`/nodes/${encodeURIComponent(v.node_id)}`)}>{v.node_id}</a>
        )}
      </th>
      <td>{metric}</td>
      <td class={SEVERITY_TONE[v.severity] ?? ''}>{v.severity}</td>
      <td class="num">{formatReading(v.violation_type, v.metric_value)}</td>
      <td class="num">{formatReading(v.violation_type, v.worst_value)}</td>
      <td class="num">{formatReading(v.violation_type, v.threshold)}</td>
      <td>{formatTime(v.created_at)}</td>
      <td>{v.resolved_at === null ? 'open' : formatTime(v.resolved_at)}</td>
      <td>
        {v.resolved_at === null ? <OpenFor since={v.created_at} /> : formatDuration(v.violation_duration_ms)}
      </td>
    </tr>
  );
}

function Pager({ filters, next }: { filters: ViolationFilters; next: string | null }) {
  const cursor = cursorOf(next);
  if (filters.cursor === '' && cursor === null) return null;
  return (
    <nav class="pager" aria-label="Violation pages">
      {filters.cursor !== '' && (
        <a href={href('/violations', fragmentQuery({ ...filters, cursor: '' }))}>Newest</a>
      )}
      {cursor !== null && (
        <a href={href('/violations', fragmentQuery({ ...filters, cursor }))} rel="next">
          Next page
        </a>
      )}
    </nav>
  );
}

/** Open and resolved violations, newest first, filtered by the fragment's query, live. */
export default function Violations({ query }: PageProps) {
  const filters = filtersFrom(query);
  const page = usePoll<LinkedPage<Violation>>(violationsPath(filters), 5_000, getLinkedPage);
  const items = page.data?.items ?? [];

  return (
    <>
      <h1 tabIndex={-1}>Violations</h1>
      <FilterForm filters={filters} />
      <Panel title={filters.cursor === '' ? 'Newest first' : 'Older violations'} id="violations">
        <LoadError error={page.error} />
        {page.data !== undefined && items.length === 0 && (
          <p>{filtered(filters) ? 'No violation matches these filters.' : 'No violations yet.'}</p>
        )}
        {items.length > 0 && (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">
                Violations{filtered(filters) ? ' matching the filters' : ''}, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Metric</th>
                  <th scope="col">Severity</th>
                  <th scope="col" class="num">
                    Value
                  </th>
                  <th scope="col" class="num">
                    Worst
                  </th>
                  <th scope="col" class="num">
                    Threshold
                  </th>
                  <th scope="col">Opened</th>
                  <th scope="col">Resolved</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {items.map((v) => (
                  <Row key={v.id} v={v} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.data !== undefined && <Pager filters={filters} next={page.data.next} />}
      </Panel>
    </>
  );
}
