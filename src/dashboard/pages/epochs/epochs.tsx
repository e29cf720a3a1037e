import { LoadError } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatAgo, formatDuration, formatNumber } from '../../lib/format.ts';
import { type PollRead, usePoll } from '../../lib/use-poll.ts';
import { href } from '../../shell/router.ts';
import { type EpochView, recentEpochs } from './epoch-reads.ts';

const SHOWN = 20;

/** The poll's read: the current epoch (`path`) and those before it. */
const readRecent: PollRead<EpochView[]> = (path, { signal }) => recentEpochs(path, SHOWN, { signal });

/** The recent epochs: span, state, members and the settlement hash of each. */
export default function Epochs() {
  const { data: epochs, error } = usePoll<EpochView[]>('/epochs/current', 15_000, readRecent);

  return (
    <>
      <h1 tabIndex={-1}>Epochs</h1>
      <p>
        Each epoch's monitors probe their targets, report, and the coordinator settles and signs the result.
      </p>
      <LoadError error={error} />
      <TableScroll label="Epochs">
        <table>
          <caption class="visually-hidden">Recent epochs, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Epoch</th>
              <th scope="col">State</th>
              <th scope="col">Ends</th>
              <th scope="col" class="num">
                Members
              </th>
              <th scope="col">Settlement hash</th>
            </tr>
          </thead>
          <tbody>
            {epochs?.map((e) => (
              <tr key={e.epoch}>
                <th scope="row">
                  <a href={href(`/epochs/${e.epoch}`)}>{e.epoch}</a>
                </th>
                <td>{e.state}</td>
                <td>
                  {e.end_ms > Date.now()
                    ? `in ${formatDuration(e.end_ms - Date.now())}`
                    : formatAgo(e.end_ms)}
                </td>
                <td class="num">{formatNumber(e.members)}</td>
                <td>
                  <code>{e.settlement_hash === null ? '—' : `${e.settlement_hash.slice(0, 16)}…`}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
