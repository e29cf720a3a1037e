import { TableScroll } from '../../components/table-scroll.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { type StateChange, workerHref } from './model.ts';

/**
 * State changes, newest first, as the API lists them (`GET /workers/{id}/states`,
 * `GET /nodes/{id}/states`); with the worker column when several workers are shown.
 */
export function StateHistory({
  caption,
  empty,
  states,
  showWorker,
  now = Date.now(),
}: {
  caption: string;
  /** What is said instead of an empty table. */
  empty: string;
  states: readonly StateChange[];
  showWorker: boolean;
  now?: number;
}) {
  if (states.length === 0) return <p>{empty}</p>;
  return (
    <TableScroll label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            {showWorker && <th scope="col">Worker</th>}
            <th scope="col">State</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {states.map((s) => (
            <tr key={`${s.worker_id}@${s.at_ms}@${s.state}`}>
              <th scope="row">
                <time dateTime={new Date(s.at_ms).toISOString()}>{formatTime(s.at_ms)}</time>{' '}
                <span class="muted">({formatAgo(s.at_ms, now)})</span>
              </th>
              {showWorker && (
                <td>
                  <a href={workerHref(s.worker_id)}>{s.worker_id}</a>
                </td>
              )}
              <td class={`state state-${s.state}`}>{s.state}</td>
              <td>{s.reason ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
