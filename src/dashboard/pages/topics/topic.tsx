import { Figure, Figures, LoadError, Panel } from '../../components/figures.tsx';
import { query } from '../../lib/api.ts';
import { formatDuration, formatMs, formatNumber, formatTime } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import type { PageProps } from '../../shell/page.ts';
import { href } from '../../shell/router.ts';
import { JobsTable } from './jobs-table.tsx';
import { JsonBlock } from './json-block.tsx';
import { QueueHistory } from './queue-history.tsx';
import type { JobView, TopicView } from './types.ts';

const RECENT_JOBS = 25;

/** One topic: its definition (redacted as the API gives it), its queue now and over time, its newest jobs. */
export default function Topic({ params, who }: PageProps) {
  const name = params['name'] ?? '';
  const topic = usePoll<TopicView>(`/topics/${encodeURIComponent(name)}`);
  const jobs = usePoll<{ jobs: JobView[] }>(`/jobs${query({ topic: name, limit: RECENT_JOBS })}`);
  const t = topic.data;

  return (
    <>
      <h1 tabIndex={-1}>Topic {name}</h1>
      <p>
        <a href={href('/topics')}>All topics</a>
      </p>
      <LoadError error={topic.error} />
      {t !== undefined && (
        <>
          <Panel title="Queue now" id="queue-now">
            <Figures label="Queue now">
              <Figure label="Ready" value={formatNumber(t.queue.ready)} />
              <Figure label="Ready now" value={formatNumber(t.queue.ready_now)} />
              <Figure label="Leased" value={formatNumber(t.queue.leased)} />
              <Figure
                label="Dead"
                value={formatNumber(t.queue.dead)}
                tone={t.queue.dead > 0 ? 'bad' : undefined}
              />
              <Figure label="Oldest ready" value={formatDuration(t.queue.oldest_ready_age_ms)} />
            </Figures>
          </Panel>
          <Panel title="Queue over time" id="queue-history">
            <QueueHistory topic={name} queue={t.queue} />
          </Panel>
          <Panel title="Definition" id="definition">
            {t.description !== null && <p>{t.description}</p>}
            <Figures label="Definition">
              <Figure label="Source" value={t.source === 'config' ? 'configuration' : 'API'} />
              <Figure label="Adapter" value={t.adapter?.kind ?? 'none'} />
              <Figure label="Timeout" value={formatMs(t.timeout_ms)} />
              <Figure label="Max attempts" value={formatNumber(t.max_attempts)} />
              <Figure
                label="Backoff"
                value={`${t.backoff.kind}, ${formatMs(t.backoff.initial_ms)} to ${formatMs(t.backoff.max_ms)}`}
              />
              <Figure label="Deadline" value={t.deadline_ms === null ? 'none' : formatMs(t.deadline_ms)} />
              <Figure label="Price" value={`${t.price_per_unit} per ${t.unit}`} />
              <Figure label="Min benchmark score" value={formatNumber(t.min_benchmark_score, 2)} />
              <Figure label="Updated" value={formatTime(t.updated_at_ms)} />
            </Figures>
            {t.adapter !== null && (
              <>
                <h3>Adapter</h3>
                <JsonBlock text={JSON.stringify(t.adapter, null, 2)} label="Adapter definition" />
              </>
            )}
            {t.verification !== null && (
              <>
                <h3>Verification</h3>
                <JsonBlock text={JSON.stringify(t.verification, null, 2)} label="Verification definition" />
              </>
            )}
            {t.benchmark !== null && (
              <>
                <h3>Benchmark</h3>
                <JsonBlock text={JSON.stringify(t.benchmark, null, 2)} label="Benchmark definition" />
              </>
            )}
          </Panel>
        </>
      )}
      <Panel title="Newest jobs" id="topic-jobs">
        <LoadError error={jobs.error} />
        {jobs.data !== undefined && (
          <JobsTable
            jobs={jobs.data.jobs}
            caption={`The newest jobs of topic ${name}`}
            showTenant={who.role !== 'tenant'}
            showTopic={false}
          />
        )}
        <p>
          <a href={href('/jobs', { topic: name })}>All jobs of {name}</a>
        </p>
      </Panel>
    </>
  );
}
