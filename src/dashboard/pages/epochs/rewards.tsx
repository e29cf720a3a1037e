import { useState } from 'preact/hooks';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatMs, formatNumber } from '../../lib/format.ts';
import { href } from '../../shell/router.ts';

export interface SettledNode {
  node: string;
  quorum_met: boolean;
  checks: number | null;
  downtime_intervals: number | null;
  latency_ms: number | null;
  score_ppm: number | null;
  reward: string;
  reason: string | null;
}

type SortKey = 'node' | 'score' | 'reward' | 'downtime' | 'latency';
const SHOWN = 100;

/** Minor units as decimal strings compare by length, then text: exact for any size. */
export function compareAmounts(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function compare(key: SortKey, a: SettledNode, b: SettledNode): number {
  const nullsLast = (x: number | null, y: number | null) =>
    x === null ? (y === null ? 0 : 1) : y === null ? -1 : x - y;
  switch (key) {
    case 'node':
      return a.node < b.node ? -1 : a.node > b.node ? 1 : 0;
    case 'reward':
      return compareAmounts(a.reward, b.reward);
    case 'score':
      return nullsLast(a.score_ppm, b.score_ppm);
    case 'downtime':
      return nullsLast(a.downtime_intervals, b.downtime_intervals);
    case 'latency':
      return nullsLast(a.latency_ms, b.latency_ms);
  }
}

/** The settlement's rewards, sortable and searchable, with the pool they share. */
export function Rewards({ nodes, pool, total }: { nodes: SettledNode[]; pool: string; total: string }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'reward', desc: true });
  const [filter, setFilter] = useState('');
  const shown = nodes
    .filter((n) => n.node.includes(filter.trim()))
    .sort((a, b) => (sort.desc ? -1 : 1) * compare(sort.key, a, b));
  const header = (key: SortKey, label: string, numeric = false) => (
    <th
      scope="col"
      class={numeric ? 'num' : undefined}
      aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : undefined}
    >
      <button
        type="button"
        class="sort"
        onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : key !== 'node' })}
      >
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
  return (
    <>
      <p>
        Pool <strong>{pool}</strong>, paid out <strong>{total}</strong> to{' '}
        {formatNumber(nodes.filter((n) => n.reward !== '0').length)} of {formatNumber(nodes.length)} nodes
        (minor units).
      </p>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <label>
          Node
          <input
            type="search"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </label>
        <p class="count">
          {shown.length > SHOWN
            ? `the first ${SHOWN} of ${formatNumber(shown.length)}`
            : `${shown.length} nodes`}
        </p>
      </form>
      <TableScroll label="Rewards">
        <table>
          <caption class="visually-hidden">Rewards of the epoch</caption>
          <thead>
            <tr>
              {header('node', 'Node')}
              {header('downtime', 'Down checks', true)}
              {header('latency', 'Latency', true)}
              {header('score', 'Score', true)}
              {header('reward', 'Reward', true)}
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, SHOWN).map((n) => (
              <tr key={n.node}>
                <th scope="row">
                  <a href={href(`/nodes/${encodeURIComponent(n.node)}`)}>{n.node}</a>
                </th>
                <td class="num">{n.quorum_met ? `${n.downtime_intervals} of ${n.checks}` : 'no quorum'}</td>
                <td class="num">{formatMs(n.latency_ms)}</td>
                <td class="num">{n.score_ppm === null ? '—' : formatNumber(n.score_ppm / 10_000, 2)}</td>
                <td class="num">
                  {n.reward}
                  {n.reason !== null && ` (${n.reason.replaceAll('_', ' ')})`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
