import { formatAgo, formatTime } from '../../lib/format.ts';
import { type Decision, proposalText, reasonText } from './model.ts';

/** When a decision was made: "12 s ago", with the exact time on hover and for machines. */
export function DecidedAt({ atMs }: { atMs: number }) {
  return (
    <time dateTime={new Date(atMs).toISOString()} title={formatTime(atMs)}>
      {formatAgo(atMs)}
    </time>
  );
}

/** A decision's proposals, one policy a line. */
export function Proposals({ decision }: { decision: Decision }) {
  const proposals = decision.proposals ?? [];
  if (proposals.length === 0) return <span class="muted">none</span>;
  return (
    <ul class="proposals">
      {proposals.map((p) => (
        <li key={p.policy}>{proposalText(p)}</li>
      ))}
    </ul>
  );
}

/** A target's last decision in a cell: why, when and what each policy proposed. */
export function LastDecision({ decision }: { decision: Decision | null }) {
  if (decision === null) return <span class="muted">no tick yet</span>;
  return (
    <>
      <strong>{reasonText(decision.reason)}</strong>, <DecidedAt atMs={decision.at_ms} />
      <Proposals decision={decision} />
    </>
  );
}
