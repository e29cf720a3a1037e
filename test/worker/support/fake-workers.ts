import type { TopicDefinition } from '../../../src/config/topic-schema.ts';
import type {
  DesiredWorker,
  StateTransition,
  SyncRequest,
  WorkerReport,
} from '../../../src/core/work/protocol.ts';

export interface FakeWorker extends DesiredWorker {
  node_id: string;
  reports: WorkerReport[];
  transitions: StateTransition[];
}

/**
 * The fake coordinator's workers: a declared worker is upserted by the sync that reports it,
 * every report and transition is kept, and the answer lists the node's workers and the
 * definitions of the topics they serve or verify.
 */
export class FakeWorkers {
  readonly workers = new Map<string, FakeWorker>();
  readonly #topics: Map<string, TopicDefinition>;
  readonly #leaseMs: number;

  constructor({ topics, leaseMs }: { topics: Map<string, TopicDefinition>; leaseMs: number }) {
    this.#topics = topics;
    this.#leaseMs = leaseMs;
  }

  add(w: Omit<FakeWorker, 'reports' | 'transitions'>): void {
    this.workers.set(w.worker_id, { ...w, reports: [], transitions: [] });
  }

  /** `POST /workers/sync` for `nodeId`. */
  sync(nodeId: string, body: SyncRequest) {
    for (const report of body.workers) this.#record(nodeId, report);
    const mine = [...this.workers.values()].filter((w) => w.node_id === nodeId);
    const served = new Set(mine.flatMap((w) => [...w.topics.map((t) => t.topic), ...w.verify_topics]));
    return {
      node_id: nodeId,
      server_time_ms: Date.now(),
      lease_ms: this.#leaseMs,
      workers: mine.map(desired),
      topics: [...this.#topics.values()].filter((t) => served.has(t.name)),
    };
  }

  #record(nodeId: string, report: WorkerReport): void {
    let w = this.workers.get(report.worker_id);
    if (w === undefined && report.declared !== null) {
      w = {
        worker_id: report.worker_id,
        node_id: nodeId,
        pool: report.pool,
        source: 'config',
        enabled: true,
        generation: 0,
        topics: report.declared.topics,
        verify_topics: report.declared.verify_topics,
        reports: [],
        transitions: [],
      };
      this.workers.set(w.worker_id, w);
    }
    if (w === undefined || w.node_id !== nodeId) return;
    if (report.declared !== null) {
      w.topics = report.declared.topics;
      w.verify_topics = report.declared.verify_topics;
    }
    w.reports.push(report);
    w.transitions.push(...report.transitions);
  }
}

/** What the coordinator wants of a worker, as a sync answer lists it. */
function desired(w: FakeWorker): DesiredWorker {
  const { worker_id, pool, source, enabled, generation, topics, verify_topics } = w;
  return { worker_id, pool, source, enabled, generation, topics, verify_topics };
}
