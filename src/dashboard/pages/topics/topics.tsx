import { LoadError, Panel } from '../../components/figures.tsx';
import { TableScroll } from '../../components/table-scroll.tsx';
import { formatDuration, formatMs, formatNumber } from '../../lib/format.ts';
import { usePoll } from '../../lib/use-poll.ts';
import { href } from '../../shell/router.ts';
import { type TopicView, topicLink } from './types.ts';

/** Every topic with its queue now and the limits its jobs run under. */
export default function Topics() {
  const topics = usePoll<{ topics: TopicView[] }>('/topics');
  const list = topics.data?.topics ?? [];

  return (
    <>
      <h1 tabIndex={-1}>Topics</h1>
      <p>
        <a href={href('/jobs')}>All jobs</a>, newest first.
      </p>
      <Panel title="Queues">
        <LoadError error={topics.error} />
        {topics.data !== undefined && list.length === 0 && <p>No topics yet.</p>}
        {list.length > 0 && (
          <TableScroll label="Topics">
            <table>
              <caption class="visually-hidden">Each topic's queue and limits</caption>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">
                    Ready
                  </th>
                  <th scope="col" class="num">
                    Ready now
                  </th>
                  <th scope="col" class="num">
                    Leased
                  </th>
                  <th scope="col" class="num">
                    Dead
                  </th>
                  <th scope="col" class="num">
                    Oldest ready
                  </th>
                  <th scope="col">Adapter</th>
                  <th scope="col" class="num">
                    Timeout
                  </th>
                  <th scope="col" class="num">
                    Max attempts
                  </th>
                  <th scope="col" class="num">
                    Deadline
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((topic) => (
                  <tr key={topic.name}>
                    <th scope="row">
                      <a href={topicLink(topic.name)}>{topic.name}</a>
                    </th>
                    <td class="num">{formatNumber(topic.queue.ready)}</td>
                    <td class="num">{formatNumber(topic.queue.ready_now)}</td>
                    <td class="num">{formatNumber(topic.queue.leased)}</td>
                    <td class={`num ${topic.queue.dead > 0 ? 'bad' : ''}`}>
                      {formatNumber(topic.queue.dead)}
                    </td>
                    <td class="num">{formatDuration(topic.queue.oldest_ready_age_ms)}</td>
                    <td>{topic.adapter?.kind ?? 'none'}</td>
                    <td class="num">{formatMs(topic.timeout_ms)}</td>
                    <td class="num">{formatNumber(topic.max_attempts)}</td>
                    <td class="num">{topic.deadline_ms === null ? 'none' : formatMs(topic.deadline_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </Panel>
    </>
  );
}
