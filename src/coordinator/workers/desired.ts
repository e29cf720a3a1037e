import type { WorkerRow, WorkerTopic } from '../../store/repositories/workers.ts';

/** A worker as its host should run it: what the sync answer tells, and the start of every worker view. */
export interface DesiredWorker {
  worker_id: string;
  pool: string | null;
  source: WorkerRow['source'];
  enabled: boolean;
  generation: number;
  topics: WorkerTopic[];
  verify_topics: string[];
}

export function desiredWorker(w: WorkerRow): DesiredWorker {
  return {
    worker_id: w.worker_id,
    pool: w.pool,
    source: w.source,
    enabled: w.enabled !== 0,
    generation: w.generation,
    topics: JSON.parse(w.topics) as WorkerTopic[],
    verify_topics: JSON.parse(w.verify_topics) as string[],
  };
}
