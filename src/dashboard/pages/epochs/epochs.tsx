import { useEffect, useState } from 'preact/hooks';
import { LoadError } from '../../components/figures.tsx';
import { formatAgo, formatDuration, formatNumber } from '../../lib/format.ts';
import { href } from '../../shell/router.ts';
import { type EpochView, recentEpochs } from './epoch-reads.ts';

const SHOWN = 20;

/** The recent epochs: span, state, members and the settlement hash of each. */
export default function Epochs() {
  const [epochs, setEpochs] = useState<EpochView[] | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);

  useEffect(() => {
    let live = true;
    const load = () =>
      recentEpochs(SHOWN)
        .then((list) => {
          if (!live) return;
          setEpochs(list);
          setError(undefined);
        })
        .catch((failure: unknown) => live && setError(failure as Error));
    void load();
    const timer = setInterval(load, 15_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  return (
    <>
      <h1 tabIndex={-1}>Epochs</h1>
      <p>
        Each epoch's monitors probe their targets, report, and the coordinator settles and signs the result.
      </p>
      <LoadError error={error} />
      <div class="table-scroll">
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
      </div>
    </>
  );
}
