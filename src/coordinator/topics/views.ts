import { redactTopic } from '../../config/redact.ts';
import type { TopicQueueStats } from '../../queue/queue.ts';
import type { TopicRecord } from '../../store/repositories/topics.ts';

/** A topic as the API shows it (TopicView): the redacted definition, its origin and its queue. */
export function topicView(record: TopicRecord, stats: TopicQueueStats | undefined) {
  return {
    ...redactTopic(record.definition),
    source: record.source,
    created_at_ms: record.created_at,
    updated_at_ms: record.updated_at,
    queue: {
      ready: stats?.ready ?? 0,
      ready_now: stats?.readyNow ?? 0,
      leased: stats?.leased ?? 0,
      dead: stats?.dead ?? 0,
      oldest_ready_age_ms: stats?.oldestReadyAgeMs ?? 0,
    },
  };
}
