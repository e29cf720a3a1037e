import { LoadError } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { ApiError, query } from '../../lib/api.ts';
import { formatAgo, formatMs, formatNumber, formatPercent, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { href } from '../../shell/router.ts';
import { type Violation, ViolationsTable } from '../violations/violations-table.tsx';

/** The node's violations, open and resolved, newest first, with how long each lasted. */
export function NodeViolations({ nodeId }: { nodeId: string }) {
  const list = usePoll<Violation[]>(`/sla/violations${query({ node_id: nodeId, limit: 50 })}`);
  return (
    <>
      <LoadError error={list.error} />
      {list.data?.length === 0 && <p>No violations recorded.</p>}
      {list.data !== undefined && list.data.length > 0 && (
        <ViolationsTable items={list.data} caption="The node's violations, newest first" />
      )}
    </>
  );
}

interface WorkerView {
  worker_id: string;
  pool: string;
  enabled: boolean;
  state: string;
  reason: string | null;
  state_at_ms: number | null;
  busy_slots: number | null;
  topics: { topic: string; concurrency: number }[];
}

interface StateChange {
  worker_id: string;
  state: string;
  reason: string | null;
  at_ms: number;
}

/** The node's workers now, and their recent state changes. */
export function NodeWorkers({ nodeId, workers }: { nodeId: string; workers: WorkerView[] }) {
  const history = usePoll<{ states: StateChange[] }>(
    `/nodes/${encodeURIComponent(nodeId)}/states${query({ limit: 20 })}`,
  );
  return (
    <>
      {workers.length === 0 ? (
        <p>No workers have reported.</p>
      ) : (
        <TableScroll label="This node's workers">
          <table>
            <caption class="visually-hidden">The node's workers</caption>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Pool</th>
                <th scope="col">State</th>
                <th scope="col">Topics</th>
                <th scope="col" class="num">
                  Busy
                </th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <tr key={w.worker_id}>
                  <th scope="row">
                    <a href={href(`/workers/${encodeURIComponent(w.worker_id)}`)}>{w.worker_id}</a>
                  </th>
                  <td>{w.pool}</td>
                  <td>
                    {w.enabled ? w.state : `${w.state} (disabled)`}
                    {w.reason !== null && ` · ${w.reason}`}
                  </td>
                  <td>{w.topics.map((t) => `${t.topic}×${t.concurrency}`).join(', ')}</td>
                  <td class="num">{formatNumber(w.busy_slots)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h3>Recent state changes</h3>
      <LoadError error={history.error} />
      <ul class="history">
        {history.data?.states.map((s) => (
          <li key={`${s.worker_id}${s.at_ms}${s.state}`}>
            {formatTime(s.at_ms)} · {s.worker_id} → <strong>{s.state}</strong>
            {s.reason !== null && ` (${s.reason})`}
          </li>
        ))}
      </ul>
    </>
  );
}

interface Assignment {
  targets?: { node_id: string }[];
  monitors?: string[] | { node_id: string }[];
}

function ids(list: Assignment['targets'] | Assignment['monitors']): string[] {
  return (list ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.node_id));
}

/**
 * Whom the node probes this epoch, and who probes it (the epoch's public assignment). Asked
 * only once the epoch's groups are drawn (it has a seed) and of a node with a key (only those
 * take part), so a page does not ask what the coordinator must refuse.
 */
export function NodeMonitoring({
  nodeId,
  epoch,
  hasKey,
}: {
  nodeId: string;
  epoch: { epoch: number; seed: string | null } | undefined;
  hasKey: boolean;
}) {
  if (epoch === undefined) return <p>No epoch yet.</p>;
  if (!hasKey) return <p>The node has no public key registered, so it takes no part in peer monitoring.</p>;
  if (epoch.seed === null) return <p>Epoch {epoch.epoch}'s groups are not drawn yet.</p>;
  return <Assignments nodeId={nodeId} epoch={epoch.epoch} />;
}

function Assignments({ nodeId, epoch }: { nodeId: string; epoch: number }) {
  const base = `/epochs/${epoch}/assignments`;
  const targets = usePoll<Assignment>(`${base}${query({ monitor: nodeId })}`, 30_000);
  const monitors = usePoll<Assignment>(`${base}${query({ target: nodeId })}`, 30_000);
  const notMember = [targets.error, monitors.error].some(
    (e) => e instanceof ApiError && (e.status === 404 || e.status === 409),
  );
  if (notMember) return <p>The node is not a member of epoch {epoch} (or its groups are not drawn yet).</p>;
  const link = (id: string) => (
    <a key={id} href={href(`/nodes/${encodeURIComponent(id)}`)}>
      {id}
    </a>
  );
  const join = (list: string[]) =>
    list.length === 0 ? '—' : list.flatMap((id, i) => (i === 0 ? [link(id)] : [', ', link(id)]));
  return (
    <dl class="pairs">
      <dt>Epoch</dt>
      <dd>
        <a href={href(`/epochs/${epoch}`)}>{epoch}</a>
      </dd>
      <dt>It probes</dt>
      <dd>{join(ids(targets.data?.targets))}</dd>
      <dt>Probed by</dt>
      <dd>{join(ids(monitors.data?.monitors))}</dd>
    </dl>
  );
}

interface NodeEpoch {
  epoch: number;
  end: string;
  uptime_fraction: number | null;
  downtime_intervals: number | null;
  checks: number | null;
  latency_ms: number | null;
  reward: string;
  reward_pool: string;
  reason: string | null;
  quorum_met: boolean;
}

/** What each settled epoch said of the node: downtime, latency and reward, as signed. */
export function NodeEpochs({ nodeId }: { nodeId: string }) {
  const list = usePoll<{ epochs: NodeEpoch[] }>(
    `/nodes/${encodeURIComponent(nodeId)}/epochs${query({ limit: 12 })}`,
    30_000,
  );
  return (
    <>
      <LoadError error={list.error} />
      {list.data?.epochs.length === 0 && <p>No settled epoch lists this node yet.</p>}
      {(list.data?.epochs.length ?? 0) > 0 && (
        <TableScroll label="Settled epochs of this node">
          <table>
            <caption class="visually-hidden">The node in each settled epoch</caption>
            <thead>
              <tr>
                <th scope="col">Epoch</th>
                <th scope="col">Ended</th>
                <th scope="col" class="num">
                  Uptime
                </th>
                <th scope="col" class="num">
                  Down checks
                </th>
                <th scope="col" class="num">
                  Latency
                </th>
                <th scope="col" class="num">
                  Reward
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data?.epochs.map((e) => (
                <tr key={e.epoch}>
                  <th scope="row">
                    <a href={href(`/epochs/${e.epoch}`)}>{e.epoch}</a>
                  </th>
                  <td>{formatAgo(e.end)}</td>
                  <td class="num">
                    {e.uptime_fraction === null ? 'no quorum' : formatPercent(e.uptime_fraction * 100)}
                  </td>
                  <td class="num">
                    {e.downtime_intervals === null
                      ? '—'
                      : `${e.downtime_intervals} of ${formatNumber(e.checks)}`}
                  </td>
                  <td class="num">{formatMs(e.latency_ms)}</td>
                  <td class="num">
                    {e.reward}
                    {e.reason !== null && ` (${e.reason.replaceAll('_', ' ')})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}
