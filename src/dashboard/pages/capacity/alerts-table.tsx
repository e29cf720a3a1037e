import { useEffect, useState } from 'preact/hooks';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatDuration, formatPercent, formatTime } from '../../lib/format.ts';
import { type CapacityAlert, currentReading, kindSeverity, kindText } from './alert-model.ts';

const SEVERITY_TONE: Record<string, string> = { high: 'bad', warning: 'warn' };
const pct = (v: number | null) => formatPercent(v, 1);

/** How long an open alert has lasted, counted on every second. */
function OpenFor({ since }: { since: string }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return <>open for {formatDuration(Math.max(0, now - Date.parse(since)))}</>;
}

function Row({ a }: { a: CapacityAlert }) {
  const severity = kindSeverity(a.alert);
  const open = a.resolved_at === null;
  return (
    <tr>
      <th scope="row">{kindText(a.alert)}</th>
      <td class={SEVERITY_TONE[severity] ?? ''}>{severity}</td>
      <td class="nowrap">{formatTime(a.opened_at)}</td>
      <td>
        {open ? (
          <OpenFor since={a.opened_at} />
        ) : (
          formatDuration(Date.parse(a.resolved_at ?? '') - Date.parse(a.opened_at))
        )}
      </td>
      <td class="num nowrap" title={`fired at ${pct(a.value_pct)}`}>
        {pct(currentReading(a))}
      </td>
      <td class="num nowrap">{pct(a.worst_pct)}</td>
      <td class="num nowrap">{pct(a.threshold_pct)}</td>
      <td class="nowrap">{a.forecast_at === null ? '—' : formatTime(a.forecast_at)}</td>
    </tr>
  );
}

/**
 * Capacity alerts as a table: the kind in words and its severity, since when and for how long,
 * the latest reading (for a forecast breach, the forecast's utilisation when it crosses)
 * against the worst and the threshold, and when a breach is expected.
 */
export function AlertsTable({ alerts, caption }: { alerts: readonly CapacityAlert[]; caption: string }) {
  return (
    <TableScroll label={caption}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">Severity</th>
            <th scope="col">Opened</th>
            <th scope="col">Lasted</th>
            <th scope="col" class="num">
              Reading
            </th>
            <th scope="col" class="num">
              Worst
            </th>
            <th scope="col" class="num">
              Threshold
            </th>
            <th scope="col">Expected at</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <Row key={a.id} a={a} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
