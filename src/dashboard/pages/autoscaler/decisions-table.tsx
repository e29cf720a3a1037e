import { TableScroll } from '../../components/table-scroll.tsx';
import { formatTime } from '../../lib/format.ts';
import { href } from '../../shell/router.ts';
import { DecidedAt, Proposals } from './last-decision.tsx';
import { actionIds, actionText, type Decision, reasonText } from './model.ts';

function DecisionRow({ decision }: { decision: Decision }) {
  const action = decision.action;
  const failed = action !== null && 'error' in action;
  return (
    <tr>
      <th scope="row">
        <DecidedAt atMs={decision.at_ms} />
        {/* On a line of its own, so the column stays narrow on a phone. */}
        <br />
        <span class="muted">{formatTime(decision.at_ms)}</span>
      </th>
      <td>{decision.tick}</td>
      <td>{reasonText(decision.reason)}</td>
      <td class="num nowrap">
        {decision.actual} → {decision.desired}
      </td>
      <td>
        <Proposals decision={decision} />
      </td>
      <td class={failed ? 'state-error' : ''} title={actionIds(action) || undefined}>
        {actionText(action)}
      </td>
    </tr>
  );
}

/** A target's decisions, newest first: why each tick chose its count and what the deployer did. */
export function DecisionsTable({ decisions, caption }: { decisions: readonly Decision[]; caption: string }) {
  return (
    <TableScroll label={caption}>
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Tick</th>
            <th scope="col">Reason</th>
            <th scope="col" class="num">
              Actual → desired
            </th>
            <th scope="col">Proposals</th>
            <th scope="col">Deployer</th>
          </tr>
        </thead>
        <tbody>
          {decisions.map((decision) => (
            <DecisionRow key={decision.id} decision={decision} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** Newer and older pages of decisions; `before` is the id of the last decision shown. */
export function DecisionsPager({
  target,
  before,
  older,
}: {
  target: string;
  before: string;
  /** The id to page on from, or null on the last page. */
  older: string | null;
}) {
  if (before === '' && older === null) return null;
  const path = `/autoscaler/${encodeURIComponent(target)}`;
  return (
    <nav class="pager" aria-label="Decision pages">
      {before !== '' && <a href={href(path)}>Newest</a>}
      {older !== null && (
        <a href={href(path, { before: older })} rel="next">
          Older decisions
        </a>
      )}
    </nav>
  );
}
