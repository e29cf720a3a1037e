import { useEffect, useState } from 'preact/hooks';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatDuration, formatTime } from '../../lib/format.ts';
import { href } from '../../shell/router.ts';
import { formatReading, METRIC_LABELS } from './filters.ts';

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

/**
 * Violations as a table, newest first: node, metric, severity, readings in the metric's unit,
 * when it opened and resolved, and how long it lasted. The violations page and a node's page
 * both show them so.
 */
export function ViolationsTable({ items, caption }: { items: readonly Violation[]; caption: string }) {
  return (
    <TableScroll label="Violations">
      <table>
        <caption class="visually-hidden">{caption}</caption>
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
    </TableScroll>
  );
}
