import { REDACTED } from '../../config/redact.ts';
import type { AdapterSpec, TopicDefinition } from '../../core/work/topic.ts';
import type { TopicQueueStats } from '../../queue/queue.ts';
import type { TopicRecord } from '../../store/repositories/topics.ts';

/** Header values often carry credentials (an upstream's API key): they are never shown. */
function redactAdapter(adapter: AdapterSpec): AdapterSpec {
  if (adapter.kind !== 'http') return adapter;
  return { ...adapter, headers: Object.fromEntries(Object.keys(adapter.headers).map((k) => [k, REDACTED])) };
}

/** A topic's definition as the API may show it. */
export function redactTopic(topic: TopicDefinition): TopicDefinition {
  return {
    ...topic,
    adapter: topic.adapter === null ? null : redactAdapter(topic.adapter),
    verification:
      topic.verification === null
        ? null
        : { ...topic.verification, adapter: redactAdapter(topic.verification.adapter) },
  };
}

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
