import { useState } from 'preact/hooks';
import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { formatAgo, formatNumber, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { canOperate, type PageProps } from '../../shell/page.ts';
import { navigate } from '../../shell/router.ts';
import { StateHistory } from './history.tsx';
import { nodeHref, poolHref, type StateChange, topicsText, type Worker as WorkerData } from './model.ts';
import { ActionOutcome, type ActionResult, WorkerActions } from './worker-actions.tsx';

/** One worker: what the coordinator wants of it, what its host last reported, and its history. */
export default function Worker({ params, who }: PageProps) {
  const id = params['worker_id'] ?? '';
  const worker = usePoll<WorkerData>(`/workers/${encodeURIComponent(id)}`);
  const states = usePoll<{ states: StateChange[] }>(`/workers/${encodeURIComponent(id)}/states?limit=100`);
  const [outcome, setOutcome] = useState<ActionResult | null>(null);
  const w = worker.data;

  function done(result: ActionResult): void {
    if (result.ok && result.removed === true && w?.pool) {
      navigate(poolHref(w.pool));
      return;
    }
    setOutcome(result);
    worker.refresh();
    states.refresh();
  }

  return (
    <>
      {w?.pool && (
        <p class="crumbs">
          <a href="#/pools">Pools and workers</a> › <a href={poolHref(w.pool)}>Pool {w.pool}</a>
        </p>
      )}
      <h1 tabIndex={-1}>Worker {id}</h1>
      <LoadError error={worker.error} />
      {w !== undefined && (
        <Panel title="State" id="worker-state">
          <Figures label="Worker">
            <Figure label="State" value={w.state} tone={w.state === 'error' ? 'bad' : undefined} />
            <Figure label="Desired" value={w.enabled ? 'enabled' : 'disabled'} />
            <Figure label="Generation" value={formatNumber(w.generation)} />
            <Figure label="Node" value={<a href={nodeHref(w.node_id)}>{w.node_id}</a>} />
            <Figure label="Busy slots" value={formatNumber(w.busy_slots)} />
            <Figure label="Queued" value={formatNumber(w.queue_length)} />
            <Figure
              label="Last seen"
              value={w.last_seen_at_ms === null ? 'never' : formatAgo(w.last_seen_at_ms)}
            />
          </Figures>
          {w.reason !== null && <p>Reason: {w.reason}</p>}
          <dl class="facts">
            <dt>In this state since</dt>
            <dd>{formatTime(w.state_at_ms)}</dd>
            <dt>Topics</dt>
            <dd>{topicsText(w)}</dd>
            <dt>Verifies</dt>
            <dd>{w.verify_topics.join(', ') || '—'}</dd>
            <dt>Benchmark</dt>
            <dd>
              {Object.entries(w.benchmark)
                .map(([topic, score]) => `${topic} ${formatNumber(score, 2)}`)
                .join(', ') || '—'}
            </dd>
            <dt>Declared by</dt>
            <dd>{w.source === 'config' ? 'its host’s configuration' : 'an operator (API)'}</dd>
          </dl>
          {canOperate(who) && w.pool !== null && (
            <>
              <ActionOutcome result={outcome} />
              <WorkerActions worker={w} onDone={done} />
            </>
          )}
        </Panel>
      )}
      <Panel title="State history" id="worker-history">
        <LoadError error={states.error} />
        {states.data !== undefined && (
          <StateHistory
            caption={`State changes of worker ${id}, newest first`}
            empty="No state changes reported yet."
            states={states.data.states}
            showWorker={false}
          />
        )}
      </Panel>
    </>
  );
}
