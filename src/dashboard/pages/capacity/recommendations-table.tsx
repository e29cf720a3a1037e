import { Figure, Figures } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatNumber, formatTime } from '../../lib/format.ts';
import { byPriority, type CapacityRecommendations, scopeLabel, words } from './model.ts';

const STATE_TONE: Record<string, 'good' | 'warn' | 'bad'> = {
  healthy: 'good',
  warning: 'warn',
  over_provisioned: 'warn',
  critical: 'bad',
};
const PRIORITY_TONE: Record<string, string> = { critical: 'bad', high: 'warn' };

/** What to add or remove for the fleet and each topic, the most urgent first, and the scopes without a forecast. */
export function RecommendationsTable({ answer }: { answer: CapacityRecommendations }) {
  const list = byPriority(answer.recommendations);
  return (
    <>
      <Figures label="Capacity state">
        <Figure label="State" value={words(answer.current_state)} tone={STATE_TONE[answer.current_state]} />
        <Figure label="Recommendations" value={formatNumber(list.length)} />
      </Figures>
      {list.length === 0 && <p>Nothing to change: every forecast fits its live slots.</p>}
      {list.length > 0 && (
        <TableScroll label="Capacity recommendations, most urgent first">
          <table>
            <caption class="visually-hidden">Capacity recommendations, most urgent first</caption>
            <thead>
              <tr>
                <th scope="col">Priority</th>
                <th scope="col">Action</th>
                <th scope="col" class="num">
                  Quantity
                </th>
                <th scope="col">Scope</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={`${r.scope}|${r.action}|${r.by}`}>
                  <td class={PRIORITY_TONE[r.priority] ?? ''}>{r.priority}</td>
                  <td>{words(r.action)}</td>
                  <td class="num" title={`${formatNumber(r.slots_needed, 1)} slots`}>
                    {formatNumber(r.quantity)} {r.action === 'raise_max_replicas' ? 'replicas' : 'nodes'}
                  </td>
                  <td>{scopeLabel(r.scope)}</td>
                  <td class="nowrap">{formatTime(r.by)}</td>
                  <td class="reason">{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {answer.notes.length > 0 && (
        <>
          <h3>Without a forecast</h3>
          <ul class="checks">
            {answer.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
