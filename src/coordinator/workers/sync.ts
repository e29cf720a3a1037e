import { redactTopic } from '../../config/redact.ts';
import type { WorkerReport as WireWorkerReport } from '../../core/work/protocol.ts';
import type { TopicDefinition } from '../../core/work/topic.ts';
import type { StoreCapabilities, Tx } from '../../store/capabilities.ts';
import { ensurePools } from '../../store/repositories/pools.ts';
import { getTopics } from '../../store/repositories/topics.ts';
import { recordTransitions, type WorkerStateRow } from '../../store/repositories/worker-states.ts';
import {
  recordObservation,
  upsertDeclaredWorker,
  type WorkerRow,
  workersOfNode,
} from '../../store/repositories/workers.ts';
import type { Store } from '../../store/store.ts';
import type { HeartbeatBatcher } from '../ingest/heartbeat-batcher.ts';
import { type DesiredWorker, desiredWorker } from './desired.ts';

/**
 * One worker's entry in `POST /workers/sync`, as the contract defines it, except that the
 * coordinator also takes a report without a pool (null: the host's default pool).
 */
export type WorkerReport = Omit<WireWorkerReport, 'pool'> & { pool: string | null };

/** A report the coordinator ignored, and why; the rest of the sync goes on. */
export interface RefusedReport {
  worker_id: string;
  type: 'unknown-worker';
  detail: string;
}

export interface SyncOutcome {
  /** Every worker of the node after the sync, both sources. */
  workers: WorkerRow[];
  refused: RefusedReport[];
  /** Summed over the accepted reports: the node's heartbeat. */
  busy_slots: number;
  queue_length: number;
}

/**
 * Applies one host's sync in a transaction: declared workers are upserted (their pools
 * created), each report updates its worker's observed state, and its transitions are kept
 * once. A report naming another node's worker, or an undeclared worker the node does not have
 * (an operator deleted it), is refused on its own: one bad entry must not stop a host.
 */
export async function applySync(
  trx: Tx,
  nodeId: string,
  reports: readonly WorkerReport[],
  { now, caps }: { now: number; caps: StoreCapabilities },
): Promise<SyncOutcome> {
  // A host repeats its declarations at every sync; only new or changed ones are written.
  const before = new Map((await workersOfNode(trx, nodeId)).map((w) => [w.worker_id, w]));
  const changed = reports.filter(
    (r) => r.declared !== null && declarationChanged(before.get(r.worker_id), r),
  );
  await ensurePools(
    trx,
    changed.flatMap((r) => (r.pool !== null ? [r.pool] : [])),
    now,
  );
  const refused: RefusedReport[] = [];
  const transitions: WorkerStateRow[] = [];
  let busySlots = 0;
  let queueLength = 0;
  for (const report of reports) {
    if (report.declared !== null && changed.includes(report)) {
      const owned = await upsertDeclaredWorker(
        trx,
        nodeId,
        { worker_id: report.worker_id, pool: report.pool, ...report.declared },
        now,
      );
      if (!owned) {
        refused.push({
          worker_id: report.worker_id,
          type: 'unknown-worker',
          detail: `worker id ${report.worker_id} belongs to another node; give this host's worker another worker_name`,
        });
        continue;
      }
    }
    const entered = report.transitions.filter((t) => t.state === report.state).at(-1)?.at_ms ?? null;
    const known = await recordObservation(
      trx,
      nodeId,
      report.worker_id,
      {
        state: report.state,
        reason: report.reason,
        entered_at: entered,
        busy_slots: report.busy_slots,
        queue_length: report.queue_length,
        benchmark: report.benchmark,
      },
      now,
    );
    if (!known) {
      refused.push({
        worker_id: report.worker_id,
        type: 'unknown-worker',
        detail: `node ${nodeId} has no worker ${report.worker_id}; stop it (it was deleted, or never declared)`,
      });
      continue;
    }
    busySlots += report.busy_slots;
    queueLength += report.queue_length;
    for (const t of report.transitions) {
      transitions.push({
        worker_id: report.worker_id,
        node_id: nodeId,
        state: t.state,
        reason: t.reason,
        at: t.at_ms,
      });
    }
  }
  await recordTransitions(trx, transitions, caps);
  return {
    workers: await workersOfNode(trx, nodeId),
    refused,
    busy_slots: busySlots,
    queue_length: queueLength,
  };
}

/** Whether a declared worker is new to this node, or declared otherwise than it is stored. */
function declarationChanged(stored: WorkerRow | undefined, report: WorkerReport): boolean {
  const declared = report.declared;
  if (stored === undefined || declared === null) return true;
  return (
    stored.source !== 'config' ||
    stored.pool !== report.pool ||
    stored.topics !== JSON.stringify(declared.topics) ||
    stored.verify_topics !== JSON.stringify(declared.verify_topics)
  );
}

/** What a host learns from its sync, besides the coordinator's clock and lease. */
export interface HostSync {
  at: number;
  workers: DesiredWorker[];
  /**
   * The definition of every topic its workers run or verify, with only the secrets it needs:
   * an adapter's for a topic an enabled worker of the node runs, a verification adapter's for
   * one it verifies; the others redacted (docs/work.md, who sees what).
   */
  topics: TopicDefinition[];
  refused: RefusedReport[];
}

/**
 * A host's sync: its reports applied (applySync), its node's heartbeat recorded from the
 * accepted reports, and what it should run now with the topics that takes.
 */
export async function syncHost(
  { store, heartbeats, now }: { store: Store; heartbeats: HeartbeatBatcher; now: () => number },
  nodeId: string,
  { version, workers }: { version: string; workers: readonly WorkerReport[] },
): Promise<HostSync> {
  const at = now();
  const synced = await store.transaction((trx) =>
    applySync(trx, nodeId, workers, { now: at, caps: store.capabilities }),
  );
  await heartbeats.submit({
    node_id: nodeId,
    at,
    busy_slots: synced.busy_slots,
    queue_length: synced.queue_length,
    version,
  });
  const desired = synced.workers.map(desiredWorker);
  const topics = await getTopics(store.db, topicsServed(desired));
  const enabled = desired.filter((w) => w.enabled);
  const runs = new Set(enabled.flatMap((w) => w.topics.map((t) => t.topic)));
  const verifies = new Set(enabled.flatMap((w) => w.verify_topics));
  return {
    at,
    workers: desired,
    topics: [...topics.values()].map(({ definition: d }) =>
      redactTopic(d, { adapter: runs.has(d.name), verification: verifies.has(d.name) }),
    ),
    refused: synced.refused,
  };
}

/** The topics a node's workers run or verify: the definitions its sync answer carries. */
function topicsServed(workers: readonly DesiredWorker[]) {
  return new Set(workers.flatMap((w) => [...w.topics.map((t) => t.topic), ...w.verify_topics]));
}
