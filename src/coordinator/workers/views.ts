import { Type } from 'typebox';
import { WORKER_STATES } from '../../core/work/lifecycle.ts';
import { TOPIC_NAME } from '../../core/work/topic.ts';
import type { WorkerRow } from '../../store/repositories/workers.ts';
import { StringEnum, WorkerId } from '../http/schemas.ts';

export { WorkerId };

import { desiredWorker } from './desired.ts';

/** Shapes of the worker and pool calls (docs/design/work-contract.md). */
export const PoolName = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'Letters, digits and . _ -, starting with a letter or digit, at most 64 characters',
});

export const TopicName = Type.String({ pattern: TOPIC_NAME.source, description: 'A topic name' });

export const WorkerStateName = StringEnum(WORKER_STATES);

export const TopicSlots = Type.Array(
  Type.Object(
    { topic: TopicName, concurrency: Type.Integer({ minimum: 1, maximum: 256 }) },
    { additionalProperties: false },
  ),
  { maxItems: 64 },
);

export const VerifyTopics = Type.Array(TopicName, { maxItems: 64, uniqueItems: true });

export const WorkerView = Type.Object({
  worker_id: Type.String(),
  node_id: Type.String(),
  pool: Type.Union([Type.String(), Type.Null()]),
  source: StringEnum(['config', 'api']),
  enabled: Type.Boolean(),
  generation: Type.Integer(),
  topics: Type.Array(Type.Object({ topic: Type.String(), concurrency: Type.Integer() })),
  verify_topics: Type.Array(Type.String()),
  state: WorkerStateName,
  reason: Type.Union([Type.String(), Type.Null()]),
  state_at_ms: Type.Integer(),
  busy_slots: Type.Integer(),
  queue_length: Type.Integer(),
  benchmark: Type.Record(Type.String(), Type.Number()),
  last_seen_at_ms: Type.Union([Type.Integer(), Type.Null()]),
});

export const WorkerStatesView = Type.Object({
  states: Type.Array(
    Type.Object({
      worker_id: Type.String(),
      state: WorkerStateName,
      reason: Type.Union([Type.String(), Type.Null()]),
      at_ms: Type.Integer(),
    }),
  ),
});

export function workerView(w: WorkerRow) {
  return {
    ...desiredWorker(w),
    node_id: w.node_id,
    state: w.state,
    reason: w.reason,
    state_at_ms: w.state_at,
    busy_slots: w.busy_slots,
    queue_length: w.queue_length,
    benchmark: JSON.parse(w.benchmark) as Record<string, number>,
    last_seen_at_ms: w.last_seen_at,
  };
}

export function statesView(
  rows: ReadonlyArray<{ worker_id: string; state: string; reason: string | null; at: number }>,
) {
  return {
    states: rows.map((r) => ({ worker_id: r.worker_id, state: r.state, reason: r.reason, at_ms: r.at })),
  };
}
