import { LoadError } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatNumber } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { LastDecision } from './last-decision.tsx';
import { type ScaledTarget, targetHref, topicHref } from './model.ts';

function TargetRow({ target }: { target: ScaledTarget }) {
  const short = target.actual !== null && target.desired !== null && target.actual !== target.desired;
  return (
    <tr>
      <th scope="row">
        <a href={targetHref(target.name)}>{target.name}</a>
      </th>
      <td>{target.topic === null ? '—' : <a href={topicHref(target.topic)}>{target.topic}</a>}</td>
      <td>{target.deployer}</td>
      <td class={target.paused ? 'warn' : ''}>{target.paused ? 'yes' : 'no'}</td>
      <td class="num nowrap">
        {target.min_replicas}–{target.max_replicas}
      </td>
      <td class="num">{formatNumber(target.desired)}</td>
      <td class={`num ${short ? 'warn' : ''}`}>{formatNumber(target.actual)}</td>
      <td>{target.policies.join(', ') || '—'}</td>
      <td>
        <LastDecision decision={target.last_decision} />
      </td>
    </tr>
  );
}

/** Every scaled target the configuration declares, as it acts now, live. */
export default function Targets() {
  const targets = usePoll<{ targets: ScaledTarget[] }>('/autoscaler/targets');
  const list = targets.data?.targets ?? [];
  return (
    <>
      <h1 tabIndex={-1}>Autoscaler</h1>
      <p class="muted">
        Desired: the count the last tick decided. Actual: the replicas the deployer reported at that tick.
      </p>
      <LoadError error={targets.error} />
      {targets.data !== undefined && list.length === 0 && (
        <p>No scaled targets: the configuration declares them under autoscaler.targets.</p>
      )}
      {list.length > 0 && (
        <section class="panel" aria-labelledby="targets-heading">
          <h2 id="targets-heading">Scaled targets</h2>
          <TableScroll label="Scaled targets">
            <table>
              <caption class="visually-hidden">Scaled targets</caption>
              <thead>
                <tr>
                  <th scope="col">Target</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Deployer</th>
                  <th scope="col">Paused</th>
                  <th scope="col" class="num">
                    Min–max
                  </th>
                  <th scope="col" class="num">
                    Desired
                  </th>
                  <th scope="col" class="num">
                    Actual
                  </th>
                  <th scope="col">Policies</th>
                  <th scope="col">Last decision</th>
                </tr>
              </thead>
              <tbody>
                {list.map((target) => (
                  <TargetRow key={target.name} target={target} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        </section>
      )}
    </>
  );
}
