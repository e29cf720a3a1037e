import { LoadError } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatNumber } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { gap, nodeHref, type Pool, poolHref, workersByNode } from './model.ts';

function PoolSection({ pool }: { pool: Pool }) {
  const nodes = workersByNode(pool.workers);
  const headingId = `pool-${pool.name}-heading`;
  return (
    <section class="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <a href={poolHref(pool.name)}>{pool.name}</a>
      </h2>
      {pool.description !== null && <p class="muted">{pool.description}</p>}
      {nodes.length === 0 ? (
        <p>No workers in this pool.</p>
      ) : (
        <TableScroll label="Pools">
          <table>
            <caption class="visually-hidden">
              Desired and actual workers of pool {pool.name} on each node
            </caption>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col" class="num">
                  Desired
                </th>
                <th scope="col" class="num">
                  Actual
                </th>
                <th scope="col">States</th>
              </tr>
            </thead>
            <tbody>
              {nodes.map((node) => {
                const missing = gap(node);
                return (
                  <tr key={node.node_id}>
                    <th scope="row">
                      <a href={nodeHref(node.node_id)}>{node.node_id}</a>
                    </th>
                    <td class="num">{formatNumber(node.desired)}</td>
                    <td class={`num ${missing === '' ? '' : 'warn'}`}>
                      {formatNumber(node.actual)}
                      {missing !== '' && ` (${missing})`}
                    </td>
                    <td>
                      {node.states.map(([state, n]) => `${n} ${state}`).join(', ')}
                      {node.disabled > 0 && ` · ${node.disabled} disabled`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

/** Every pool: per node, the workers the coordinator wants running against those that run. */
export default function Pools() {
  const pools = usePoll<{ pools: Pool[] }>('/pools');
  return (
    <>
      <h1 tabIndex={-1}>Pools and workers</h1>
      <p class="muted">
        Desired: the enabled workers a node’s host is told to run. Actual: the workers its host reports
        starting, benchmarking, ready or working.
      </p>
      <LoadError error={pools.error} />
      {pools.data?.pools.length === 0 && (
        <p>
          No pools yet: a worker host creates its pool at its first sync, or an operator with POST /pools.
        </p>
      )}
      {pools.data?.pools.map((pool) => (
        <PoolSection key={pool.name} pool={pool} />
      ))}
    </>
  );
}
