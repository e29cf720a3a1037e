import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatNumber, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { PageProps } from '../../shell/page.ts';
import { href } from '../../shell/router.ts';
import type { EpochView } from './epoch-reads.ts';
import { Rewards, type SettledNode } from './rewards.tsx';
import { VerifyPanel } from './verify-panel.tsx';

interface Published {
  settlement: {
    reports_accepted: number;
    reports_rejected: unknown[];
    parameters: { reward_pool: string };
    nodes: SettledNode[];
    total_reward: string;
  };
  hash: string;
}

/**
 * One epoch: its span and state, its members, the settlement and the chain link to the one
 * before, the rewards, and "verify in this browser".
 */
export default function EpochPage({ params }: PageProps) {
  const n = Number(params['epoch']);
  const valid = Number.isInteger(n) && n >= 0;
  const epoch = usePoll<EpochView>(valid ? `/epochs/${n}` : null, 10_000);
  const settled = epoch.data?.state === 'settled';
  const published = usePoll<Published>(settled ? `/epochs/${n}/settlement` : null, 600_000);
  const e = epoch.data;
  const s = published.data?.settlement;

  if (!valid || (epoch.error instanceof ApiError && epoch.error.status === 404)) {
    return (
      <>
        <h1 tabIndex={-1}>Epoch {params['epoch']}</h1>
        <p>This coordinator has no such epoch. {epoch.error?.message}</p>
      </>
    );
  }
  return (
    <>
      <h1 tabIndex={-1}>Epoch {n}</h1>
      <LoadError error={epoch.error} />
      {e && (
        <Figures label="The epoch">
          <Figure label="State" value={e.state} tone={e.state === 'settled' ? 'good' : undefined} />
          <Figure label="Span" value={`${formatTime(e.start)} – ${formatTime(e.end)}`} />
          <Figure label="Reports close" value={formatTime(e.report_window_end)} />
          <Figure label="Members" value={formatNumber(e.members)} />
          <Figure label="Group size" value={formatNumber(e.group_size)} />
          {s && (
            <Figure
              label="Reports accepted"
              value={`${formatNumber(s.reports_accepted)} of ${formatNumber(e.members)}`}
            />
          )}
          {s && <Figure label="Reports rejected" value={formatNumber(s.reports_rejected.length)} />}
        </Figures>
      )}
      {e && (
        <Panel title="Settlement">
          <dl class="pairs">
            <dt>Settlement hash</dt>
            <dd>
              <code>{e.settlement_hash ?? 'not settled yet'}</code>
            </dd>
            <dt>Previous settlement</dt>
            <dd>
              <code>{e.previous_settlement_hash ?? '—'}</code>
              {n > 0 && (
                <>
                  {' '}
                  (<a href={href(`/epochs/${n - 1}`)}>epoch {n - 1}</a>)
                </>
              )}
            </dd>
            <dt>Seed</dt>
            <dd>
              <code>{e.seed ?? '—'}</code>
            </dd>
          </dl>
        </Panel>
      )}
      {settled && (
        <Panel title="Verify in this browser">
          <VerifyPanel epoch={n} />
        </Panel>
      )}
      {settled && (
        <Panel title="Rewards">
          <LoadError error={published.error} />
          {s ? (
            <Rewards nodes={s.nodes} pool={s.parameters.reward_pool} total={s.total_reward} />
          ) : (
            <p>Loading…</p>
          )}
        </Panel>
      )}
    </>
  );
}
