import { useState } from 'preact/hooks';
import { LoadError, Panel } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { canOperate, type PageProps } from '../../shell/page.ts';
import { AddWorker } from './add-worker.tsx';
import { StateHistory } from './history.tsx';
import {
  nodeHref,
  type Pool as PoolData,
  type StateChange,
  topicsText,
  type Worker,
  workerHref,
} from './model.ts';
import { ActionOutcome, type ActionResult, WorkerActions } from './worker-actions.tsx';

/** How many of the pool's nodes get a history table; the rest are a link away. */
const HISTORY_NODES = 10;

function WorkerRow({
  worker,
  operate,
  onDone,
}: {
  worker: Worker;
  operate: boolean;
  onDone: (result: ActionResult) => void;
}) {
  return (
    <tr>
      <th scope="row">
        <a href={workerHref(worker.worker_id)}>{worker.worker_id}</a>
      </th>
      <td>
        <a href={nodeHref(worker.node_id)}>{worker.node_id}</a>
      </td>
      <td class={`state state-${worker.state}`}>
        {worker.state}
        {worker.reason !== null && <span class="muted">: {worker.reason}</span>}
      </td>
      <td>
        {worker.enabled ? 'enabled' : 'disabled'}, generation {worker.generation}
        {worker.source === 'config' && <span class="muted"> (its host’s configuration)</span>}
      </td>
      <td>{topicsText(worker)}</td>
      <td>
        <time dateTime={new Date(worker.state_at_ms).toISOString()} title={formatTime(worker.state_at_ms)}>
          {formatAgo(worker.state_at_ms)}
        </time>
      </td>
      <td>{worker.last_seen_at_ms === null ? 'never' : formatAgo(worker.last_seen_at_ms)}</td>
      {operate && (
        <td>
          <WorkerActions worker={worker} onDone={onDone} />
        </td>
      )}
    </tr>
  );
}

/** One node's recent state changes, kept to this pool's workers. */
function NodeHistory({ nodeId, workers }: { nodeId: string; workers: ReadonlySet<string> }) {
  const states = usePoll<{ states: StateChange[] }>(`/nodes/${encodeURIComponent(nodeId)}/states?limit=50`);
  const mine = (states.data?.states ?? []).filter((s) => workers.has(s.worker_id)).slice(0, 20);
  return (
    <>
      <LoadError error={states.error} />
      {states.data !== undefined && (
        <StateHistory
          caption={`State changes on node ${nodeId}`}
          empty={`No state changes reported on node ${nodeId} yet.`}
          states={mine}
          showWorker
        />
      )}
    </>
  );
}

/** One pool: its workers with their desired and reported state, the operator's actions, history. */
export default function Pool({ params, who }: PageProps) {
  const name = params['pool'] ?? '';
  const pool = usePoll<PoolData>(`/pools/${encodeURIComponent(name)}`);
  const [outcome, setOutcome] = useState<ActionResult | null>(null);
  const [added, setAdded] = useState<ActionResult | null>(null);
  const operate = canOperate(who);
  const workers = [...(pool.data?.workers ?? [])].sort(
    (a, b) => a.node_id.localeCompare(b.node_id) || a.worker_id.localeCompare(b.worker_id),
  );
  const nodes = [...new Set(workers.map((w) => w.node_id))];
  const ids = new Set(workers.map((w) => w.worker_id));

  // An action's outcome is said beside what it acted on: the table, or the form.
  function done(result: ActionResult): void {
    setOutcome(result);
    pool.refresh();
  }
  function addDone(result: ActionResult): void {
    setAdded(result);
    pool.refresh();
  }

  return (
    <>
      <p class="crumbs">
        <a href="#/pools">Pools and workers</a>
      </p>
      <h1 tabIndex={-1}>Pool {name}</h1>
      {pool.data?.description && <p class="muted">{pool.data.description}</p>}
      <LoadError error={pool.error} />
      <Panel title="Workers" id="workers">
        <ActionOutcome result={outcome} />
        {pool.data !== undefined && workers.length === 0 && <p>No workers in this pool.</p>}
        {workers.length > 0 && (
          <TableScroll label="Workers of this pool">
            <table>
              <caption class="visually-hidden">Workers of pool {name}</caption>
              <thead>
                <tr>
                  <th scope="col">Worker</th>
                  <th scope="col">Node</th>
                  <th scope="col">State</th>
                  <th scope="col">Desired</th>
                  <th scope="col">Topics</th>
                  <th scope="col">Last change</th>
                  <th scope="col">Last seen</th>
                  {operate && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {workers.map((worker) => (
                  <WorkerRow key={worker.worker_id} worker={worker} operate={operate} onDone={done} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Panel>
      {operate && pool.data !== undefined && (
        <Panel title="Add a worker" id="add-worker">
          <ActionOutcome result={added} />
          <AddWorker pool={name} nodes={nodes} onDone={addDone} />
        </Panel>
      )}
      {nodes.length > 0 && (
        <Panel title="Recent state changes" id="history">
          {nodes.slice(0, HISTORY_NODES).map((nodeId) => (
            <NodeHistory key={nodeId} nodeId={nodeId} workers={ids} />
          ))}
          {nodes.length > HISTORY_NODES && (
            <p class="muted">
              The first {HISTORY_NODES} of {nodes.length} nodes; each worker’s page has its whole history.
            </p>
          )}
        </Panel>
      )}
    </>
  );
}
