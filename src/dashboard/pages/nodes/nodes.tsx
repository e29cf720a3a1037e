import { useEffect, useRef, useState } from 'preact/hooks';
import { LoadError } from '../../components/figures.tsx';
import { formatAgo, formatMs, formatNumber, formatPercent } from '../../lib/format.ts';
import { useRowBlocks } from '../../lib/row-blocks.ts';
import { useVirtualRows } from '../../lib/use-virtual-rows.ts';
import type { PageProps } from '../../shell/page.ts';
import { href, navigate } from '../../shell/router.ts';
import { filtersOf, type NodeFilters, type NodeRow, type SortKey, searchNodes } from './search.ts';

const ROW_HEIGHT = 36;
const BLOCK = 200;
/** More than the rows ever in view at once (a tall screen and the overscan). */
const SLOTS = 256;

interface Column {
  label: string;
  sort: SortKey | null;
  numeric?: boolean;
  cell: (row: NodeRow) => preact.ComponentChildren;
}

const COLUMNS: Column[] = [
  {
    label: 'Node',
    sort: 'node_id',
    cell: (r) => <a href={href(`/nodes/${encodeURIComponent(r.node_id)}`)}>{r.node_id}</a>,
  },
  { label: 'Operator', sort: 'operator', cell: (r) => r.operator ?? '—' },
  { label: 'State', sort: 'state', cell: (r) => r.state },
  {
    label: 'Live',
    sort: 'live',
    cell: (r) => <span class={r.live ? 'good' : 'bad'}>{r.live ? 'live' : 'silent'}</span>,
  },
  { label: 'Uptime', sort: 'uptime', numeric: true, cell: (r) => formatPercent(r.uptime_pct) },
  { label: 'Response', sort: 'response_time', numeric: true, cell: (r) => formatMs(r.response_time_ms) },
  {
    label: 'Completion',
    sort: 'completion_rate',
    numeric: true,
    cell: (r) => formatPercent(r.completion_rate_pct),
  },
  { label: 'Quality', sort: 'quality_score', numeric: true, cell: (r) => formatNumber(r.quality_score, 3) },
  {
    label: 'Violations',
    sort: 'open_violations',
    numeric: true,
    cell: (r) => formatNumber(r.open_violations),
  },
  { label: 'Last heartbeat', sort: 'last_heartbeat_at', cell: (r) => formatAgo(r.last_heartbeat_at) },
];

function setFilters(next: NodeFilters): void {
  navigate(
    href('/nodes', {
      q: next.q,
      state: next.state === 'active' ? undefined : next.state,
      live: next.live,
      sort: next.sort === 'node_id' ? undefined : next.sort,
      order: next.order === 'asc' ? undefined : next.order,
    }),
    { replace: true },
  );
}

/**
 * Every node, searched, filtered and sorted by the server (GET /search/nodes) and shown as a
 * virtualized table: only the rows in view are in the page, fetched in blocks as they scroll
 * into view, so 10,000 nodes cost what a screenful does.
 */
export default function Nodes({ query }: PageProps) {
  const filters = filtersOf(query);
  const [text, setText] = useState(filters.q);
  const scroller = useRef<HTMLDivElement>(null);
  const key = JSON.stringify(filters);
  const rows = useRowBlocks<NodeRow>({
    key,
    blockSize: BLOCK,
    load: (offset, limit) => searchNodes(filters, offset, limit),
  });
  const total = rows.total ?? 0;
  const virtualizer = useVirtualRows({ count: total, scrollRef: scroller, rowHeight: ROW_HEIGHT });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 40;
  // Any window of consecutive rows no longer than this has a key per row.
  const slots = Math.max(SLOTS, items.length);

  useEffect(() => rows.show(firstIndex, lastIndex));

  // Typing waits a moment before asking the server, so each key press is not a query.
  useEffect(() => {
    if (text === filters.q) return;
    const timer = setTimeout(() => setFilters({ ...filters, q: text }), 250);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
  }, [key]);

  function sortBy(column: SortKey): void {
    // A new column starts ascending (the lowest uptime, the fewest violations first); the same
    // column again turns the order round.
    const order = filters.sort === column && filters.order === 'asc' ? 'desc' : 'asc';
    setFilters({ ...filters, sort: column, order });
  }

  const before = items[0]?.start ?? 0;
  const after = Math.max(0, virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0));

  return (
    <>
      <h1 tabIndex={-1}>Nodes</h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            value={text}
            placeholder="node id or operator"
            onInput={(event) => setText((event.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          State
          <select
            value={filters.state}
            onChange={(event) =>
              setFilters({
                ...filters,
                state: (event.target as HTMLSelectElement).value as NodeFilters['state'],
              })
            }
          >
            <option value="active">active</option>
            <option value="deleted">deregistered</option>
            <option value="all">all</option>
          </select>
        </label>
        <label>
          Liveness
          <select
            value={filters.live}
            onChange={(event) =>
              setFilters({
                ...filters,
                live: (event.target as HTMLSelectElement).value as NodeFilters['live'],
              })
            }
          >
            <option value="">any</option>
            <option value="true">live</option>
            <option value="false">silent</option>
          </select>
        </label>
        <p class="count" role="status" aria-live="polite">
          {rows.total === undefined ? 'Loading…' : `${formatNumber(rows.total)} nodes`}
        </p>
      </form>
      <LoadError error={rows.error} />
      <div class="virtual-scroll" ref={scroller}>
        <table class="virtual" aria-rowcount={total + 1}>
          <caption class="visually-hidden">
            Nodes, sorted by {filters.sort} {filters.order === 'asc' ? 'ascending' : 'descending'}
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              {COLUMNS.map((column) => (
                <th
                  key={column.label}
                  scope="col"
                  class={column.numeric ? 'num' : undefined}
                  aria-sort={
                    column.sort !== null && filters.sort === column.sort
                      ? filters.order === 'asc'
                        ? 'ascending'
                        : 'descending'
                      : undefined
                  }
                >
                  {column.sort === null ? (
                    column.label
                  ) : (
                    <button type="button" class="sort" onClick={() => sortBy(column.sort as SortKey)}>
                      {column.label}
                      <span aria-hidden="true">
                        {filters.sort === column.sort ? (filters.order === 'asc' ? ' ▲' : ' ▼') : ''}
                      </span>
                    </button>
                  )}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {before > 0 && (
              <tr class="spacer" style={{ height: `${before}px` }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
            {items.map((item) => {
              const row = rows.row(item.index);
              // Keyed by slot, not by index: the row that scrolls out gives its elements to the
              // one that scrolls in, so a fast scroll patches text instead of building rows.
              return (
                <tr
                  key={item.index % slots}
                  aria-rowindex={item.index + 2}
                  style={{ height: `${ROW_HEIGHT}px` }}
                >
                  {row === undefined ? (
                    <td colSpan={COLUMNS.length} class="pending">
                      …
                    </td>
                  ) : (
                    COLUMNS.map((column) => (
                      <td key={column.label} class={column.numeric ? 'num' : undefined}>
                        {column.cell(row)}
                      </td>
                    ))
                  )}
                </tr>
              );
            })}
            {after > 0 && (
              <tr class="spacer" style={{ height: `${after}px` }}>
                <td colSpan={COLUMNS.length} />
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
