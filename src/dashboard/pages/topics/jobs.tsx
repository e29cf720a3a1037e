import { useEffect, useState } from 'preact/hooks';
import { LoadError, Panel } from '../../components/figures.tsx';
import { query } from '../../lib/api.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { PageProps } from '../../shell/page.ts';
import { href, navigate } from '../../shell/router.ts';
import { JobsTable } from './jobs-table.tsx';
import { cursorOf, nextCursor, pageOf, pageRequest } from './paging.ts';
import { JOB_STATUSES, type JobView, type TopicView } from './types.ts';

const LIMITS = [25, 50, 100, 250] as const;
const DEFAULT_LIMIT = 50;

/** The fragment's filters, as GET /jobs takes them (docs/api.md). */
function filtersOf(q: URLSearchParams, tenantKey: boolean) {
  const limit = Number(q.get('limit'));
  return {
    topic: q.get('topic') ?? '',
    status: q.get('status') ?? '',
    // A tenant key sees its own jobs only: the server scopes them, the page offers no choice.
    tenant: tenantKey ? '' : (q.get('tenant') ?? ''),
    limit: (LIMITS as readonly number[]).includes(limit) ? limit : DEFAULT_LIMIT,
  };
}

/** Jobs newest first, filtered by topic, status and tenant, a page at a time. */
export default function Jobs({ query: q, who }: PageProps) {
  const tenantKey = who.role === 'tenant';
  const filters = filtersOf(q, tenantKey);
  const cursor = cursorOf(q);
  const ask = pageRequest(cursor, filters.limit);
  const jobs = usePoll<{ jobs: JobView[] }>(
    `/jobs${query({ topic: filters.topic, status: filters.status, tenant_id: filters.tenant, ...ask })}`,
  );
  const topics = usePoll<{ topics: TopicView[] }>('/topics', 60_000);
  const page = jobs.data === undefined ? undefined : pageOf(jobs.data.jobs, cursor);
  const next = page === undefined ? null : nextCursor(page, cursor, filters.limit);

  // What is typed stays while polls re-render; it applies on Enter or leaving the field.
  const [tenantText, setTenantText] = useState(filters.tenant);
  useEffect(() => setTenantText(filters.tenant), [filters.tenant]);

  const shown = { topic: filters.topic, status: filters.status, tenant: filters.tenant };
  const limitParam = filters.limit === DEFAULT_LIMIT ? undefined : filters.limit;
  /** A filter changed: back to the newest page, in place (a filter is not a step in history). */
  function setFilter(name: string, value: string): void {
    navigate(href('/jobs', { ...shown, limit: limitParam, [name]: value }), { replace: true });
  }
  const topicNames = (topics.data?.topics ?? []).map((t) => t.name);
  if (filters.topic !== '' && !topicNames.includes(filters.topic)) topicNames.push(filters.topic);

  return (
    <>
      <h1 tabIndex={-1}>Jobs</h1>
      <p>
        <a href={href('/topics')}>Topics</a>
        {tenantKey && ` · The jobs of tenant ${who.tenant ?? 'this key'}.`}
      </p>
      <form class="toolbar" aria-label="Filter jobs" onSubmit={(event) => event.preventDefault()}>
        <label>
          Topic
          <select
            value={filters.topic}
            onChange={(event) => setFilter('topic', (event.target as HTMLSelectElement).value)}
          >
            <option value="">Every topic</option>
            {topicNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            value={filters.status}
            onChange={(event) => setFilter('status', (event.target as HTMLSelectElement).value)}
          >
            <option value="">Every status</option>
            {JOB_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        {!tenantKey && (
          <label>
            Tenant
            <input
              type="search"
              value={tenantText}
              placeholder="every tenant"
              onInput={(event) => setTenantText((event.target as HTMLInputElement).value)}
              onChange={(event) => setFilter('tenant', (event.target as HTMLInputElement).value.trim())}
            />
          </label>
        )}
        <label>
          Per page
          <select
            value={filters.limit}
            onChange={(event) => setFilter('limit', (event.target as HTMLSelectElement).value)}
          >
            {LIMITS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Panel title={cursor === null ? 'Newest jobs' : 'Older jobs'} id="jobs">
        <LoadError error={jobs.error} />
        {page !== undefined && <JobsTable jobs={page} caption="Jobs, newest first" showTenant={!tenantKey} />}
        <p class="pager">
          {cursor !== null && <a href={href('/jobs', { ...shown, limit: limitParam })}>Newest jobs</a>}
          {next !== null && (
            <a
              href={href('/jobs', {
                ...shown,
                limit: limitParam,
                before: next.beforeMs,
                skip: next.skip || undefined,
              })}
            >
              Older jobs
            </a>
          )}
        </p>
      </Panel>
    </>
  );
}
