import { TableScroll } from '../../components/table-scroll.tsx';
import { formatMs, formatTime } from '../../lib/format.ts';
import { type JobView, jobLink, nodeLink, STATUS_TONE, topicLink } from './types.ts';

/** Jobs as rows: id, topic, status, attempts, tenant, node, submitted, finished, duration. */
export function JobsTable({
  jobs,
  caption,
  showTenant,
  showTopic = true,
}: {
  jobs: readonly JobView[];
  caption: string;
  /** A tenant's own list needs no tenant column. */
  showTenant: boolean;
  showTopic?: boolean;
}) {
  return (
    <TableScroll label="Jobs">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            {showTopic && <th scope="col">Topic</th>}
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Attempts
            </th>
            {showTenant && <th scope="col">Tenant</th>}
            <th scope="col">Node</th>
            <th scope="col">Submitted</th>
            <th scope="col">Finished</th>
            <th scope="col" class="num">
              Duration
            </th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.job_id}>
              <th scope="row">
                <a href={jobLink(job.job_id)}>
                  <code>{job.job_id}</code>
                </a>
              </th>
              {showTopic && (
                <td>
                  <a href={topicLink(job.topic)}>{job.topic}</a>
                </td>
              )}
              <td class={STATUS_TONE[job.status] ?? ''}>{job.status}</td>
              <td class="num">
                {job.attempts} of {job.max_attempts}
              </td>
              {showTenant && <td>{job.tenant_id}</td>}
              <td class="nowrap">
                {job.node_id === null ? '—' : <a href={nodeLink(job.node_id)}>{job.node_id}</a>}
              </td>
              <td class="nowrap">{formatTime(job.created_at_ms)}</td>
              <td class="nowrap">{formatTime(job.finished_at_ms)}</td>
              <td class="num">{formatMs(job.duration_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {jobs.length === 0 && <p>No jobs.</p>}
    </TableScroll>
  );
}
