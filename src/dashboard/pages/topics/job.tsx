import { useState } from 'preact/hooks';
import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatBytes, formatMs, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { canOperate, type PageProps } from '../../shell/page.ts';
import type { Identity } from '../../shell/session.ts';
import { attemptRows } from './attempt-rows.ts';
import { CancelJob } from './cancel-job.tsx';
import { JsonBlock } from './json-block.tsx';
import { type AttemptView, cancellable, type JobView, nodeLink, STATUS_TONE, topicLink } from './types.ts';

/** How much of a result the page writes out; the API keeps up to 256 KiB. */
const RESULT_SHOWN_CHARS = 20_000;

/** Who may cancel: operators and admins any job, a tenant key its own (the only ones it sees). */
const mayCancel = (who: Identity) => canOperate(who) || who.role === 'tenant';

function Result({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p>No result.</p>;
  const text = JSON.stringify(value, null, 2);
  const cut = text.length > RESULT_SHOWN_CHARS;
  return (
    <>
      {cut && (
        <p class="muted">
          The first {formatBytes(RESULT_SHOWN_CHARS)} of {formatBytes(text.length)}, as JSON.
        </p>
      )}
      <JsonBlock text={cut ? `${text.slice(0, RESULT_SHOWN_CHARS)}\n…` : text} label="Result" />
    </>
  );
}

/** One job: its state, its attempts, its result or last error, and Cancel for who may. */
export default function Job({ params, who }: PageProps) {
  const id = params['job_id'] ?? '';
  const path = `/jobs/${encodeURIComponent(id)}`;
  const job = usePoll<JobView>(path);
  const attempts = usePoll<{ attempts: AttemptView[] }>(`${path}/attempts`);
  const [notice, setNotice] = useState('');
  const j = job.data;

  function cancelled(): void {
    setNotice('The job is cancelled.');
    job.refresh();
    attempts.refresh();
  }

  return (
    <>
      <h1 tabIndex={-1}>
        Job <code>{id}</code>
      </h1>
      <p role="status">{notice}</p>
      <LoadError error={job.error} />
      {j !== undefined && (
        <>
          <Panel title="State" id="job-state">
            <Figures label="Job">
              <Figure label="Status" value={j.status} tone={STATUS_TONE[j.status]} />
              <Figure label="Topic" value={<a href={topicLink(j.topic)}>{j.topic}</a>} />
              <Figure label="Tenant" value={j.tenant_id} />
              <Figure label="Attempts" value={`${j.attempts} of ${j.max_attempts}`} />
              <Figure label="Submitted" value={formatTime(j.created_at_ms)} />
              <Figure label="Finished" value={formatTime(j.finished_at_ms)} />
              <Figure label="Duration" value={formatMs(j.duration_ms)} />
              <Figure
                label="Deadline"
                value={j.deadline_at_ms === null ? 'none' : formatTime(j.deadline_at_ms)}
              />
              {j.idempotency_key !== null && <Figure label="Idempotency key" value={j.idempotency_key} />}
              {j.verification !== null && (
                <Figure
                  label="Verification"
                  value={
                    j.verification.verdict === null
                      ? j.verification.state
                      : `${j.verification.state}${j.verification.verdict.detail ? `: ${j.verification.verdict.detail}` : ''}`
                  }
                  tone={j.verification.state === 'failed' ? 'bad' : undefined}
                />
              )}
            </Figures>
            {mayCancel(who) && cancellable(j.status) && (
              <CancelJob jobId={j.job_id} running={j.status === 'running'} onDone={cancelled} />
            )}
          </Panel>
          <Panel title="Attempts" id="attempts">
            <LoadError error={attempts.error} />
            {j.attempts === 0 ? (
              <p>No attempt yet.</p>
            ) : attempts.data === undefined ? (
              // Until the recorded attempts arrive, every earlier attempt would read "not recorded".
              attempts.error === undefined && <p aria-busy="true">Loading…</p>
            ) : (
              <TableScroll label="Attempts">
                <table>
                  <caption class="visually-hidden">The job's attempts, first first</caption>
                  <thead>
                    <tr>
                      <th scope="col" class="num">
                        Attempt
                      </th>
                      <th scope="col">Node</th>
                      <th scope="col">Worker</th>
                      <th scope="col">Started</th>
                      <th scope="col">Finished</th>
                      <th scope="col" class="num">
                        Duration
                      </th>
                      <th scope="col">Outcome</th>
                    </tr>
                  </thead>
                  <tbody>
                    {attemptRows(j, attempts.data.attempts).map((a) => (
                      <tr key={a.attempt}>
                        <th scope="row" class="num">
                          {a.attempt}
                        </th>
                        <td class="nowrap">
                          {a.node_id === null ? '—' : <a href={nodeLink(a.node_id)}>{a.node_id}</a>}
                        </td>
                        <td>{a.worker_id ?? '—'}</td>
                        <td class="nowrap">{formatTime(a.started_at_ms)}</td>
                        <td class="nowrap">{formatTime(a.finished_at_ms)}</td>
                        <td class="num">{formatMs(a.duration_ms)}</td>
                        <td class={a.outcome === 'success' ? 'good' : a.outcome === 'failure' ? 'bad' : ''}>
                          {a.outcome}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </Panel>
          {j.error !== null && (
            <Panel title="Last failure" id="last-failure">
              <p>
                <code>{j.error.code}</code>: {j.error.message} (
                {j.error.retryable ? 'retryable' : 'not retryable'})
              </p>
            </Panel>
          )}
          <Panel title="Result" id="result">
            <Result value={j.result} />
          </Panel>
        </>
      )}
    </>
  );
}
