import type { TopicDefinition } from '../../core/work/topic.ts';
import type { Db } from '../../store/capabilities.ts';
import { getWorker } from '../../store/repositories/workers.ts';
import { Conflict, type DomainError, NotFound, NotPermitted } from '../errors.ts';

/** What admission reads of a worker: one primary-key lookup. */
interface AdmissionRow {
  node_id: string;
  enabled: number;
  topics: string;
  verify_topics: string;
  benchmark: string;
}

/** A worker id another node owns is answered like an unknown one: it says nothing about that node. */
export function unknownWorker(workerId: string, nodeId: string): DomainError {
  return new NotFound(
    'unknown-worker',
    'Unknown worker',
    `node ${nodeId} has no worker ${workerId}; workers are created by POST /workers/sync or POST /pools/{pool}/workers`,
  );
}

function ownedAndEnabled(
  row: AdmissionRow | undefined,
  nodeId: string,
  workerId: string,
): DomainError | null {
  if (row === undefined || row.node_id !== nodeId) return unknownWorker(workerId, nodeId);
  if (row.enabled === 0) {
    return new Conflict(
      'worker-disabled',
      'Worker disabled',
      `worker ${workerId} is disabled; an operator enables it with POST /pools/{pool}/workers/{worker_id}/enable`,
    );
  }
  return null;
}

function notAssigned(workerId: string, topic: string, what: 'run' | 'verify'): DomainError {
  return new Conflict(
    'topic-not-assigned',
    'Topic not assigned',
    `worker ${workerId} does not ${what} topic ${topic}; its topics come from its host's configuration or PATCH /pools/{pool}/workers/{worker_id}`,
  );
}

/**
 * Whether a node's worker may claim jobs of a topic: it is the node's own, enabled, assigned
 * the topic, and its last benchmark of the topic reached the topic's minimum. Null when it
 * may; otherwise the problem to answer with.
 */
export async function checkClaimAdmission(
  db: Db,
  { nodeId, workerId, topic }: { nodeId: string; workerId: string; topic: TopicDefinition },
): Promise<DomainError | null> {
  const row = await getWorker(db, workerId);
  const refused = ownedAndEnabled(row, nodeId, workerId);
  if (refused !== null || row === undefined) return refused;
  const topics = JSON.parse(row.topics) as Array<{ topic: string }>;
  if (!topics.some((t) => t.topic === topic.name)) return notAssigned(workerId, topic.name, 'run');
  const scores = JSON.parse(row.benchmark) as Record<string, number>;
  const score = scores[topic.name];
  const minimum = topic.min_benchmark_score;
  if (minimum > 0 && (score === undefined || score < minimum)) {
    return new NotPermitted(
      'benchmark-too-low',
      'Benchmark too low',
      score === undefined
        ? `worker ${workerId} has reported no benchmark of topic ${topic.name}, which needs a score of at least ${minimum}`
        : `worker ${workerId} scored ${score} on topic ${topic.name}'s benchmark, below its minimum of ${minimum}`,
      { extras: { score: score ?? null, min_benchmark_score: minimum } },
    );
  }
  return null;
}

/** Whether a node's worker may claim verification samples of a topic: its own, enabled, verifying it. */
export async function checkVerificationAdmission(
  db: Db,
  { nodeId, workerId, topic }: { nodeId: string; workerId: string; topic: string },
): Promise<DomainError | null> {
  const row = await getWorker(db, workerId);
  const refused = ownedAndEnabled(row, nodeId, workerId);
  if (refused !== null || row === undefined) return refused;
  const verifies = JSON.parse(row.verify_topics) as string[];
  return verifies.includes(topic) ? null : notAssigned(workerId, topic, 'verify');
}
