import type {
  DesiredWorker,
  StateTransition,
  SyncAnswer,
  WorkerReport,
  WorkerState,
} from '../core/work/protocol.ts';
import type { TopicDefinition } from '../core/work/topic.ts';
import { type RunningWorker, startWorker, type WorkerDeps } from './worker.ts';
import { createStateTracker, type WorkerStateTracker } from './worker-state.ts';

/** States the heartbeat reports anyway: not worth a sync of their own (they change with every job). */
const QUIET_STATES: ReadonlySet<WorkerState> = new Set(['ready', 'working']);

export interface WorkerSummary {
  worker_id: string;
  generation: number | null;
  state: WorkerState;
  reason: string | null;
  busy_slots: number;
  benchmark: Record<string, number>;
  history: StateTransition[];
}

interface Slot {
  id: string;
  /** Outlives the worker objects run under this id, so a restart reads as one story. */
  tracker: WorkerStateTracker;
  worker: RunningWorker | null;
  /** What the last sync answer listed for this id; null when it did not list it. */
  desired: DesiredWorker | null;
  /** A stop or restart under way; nothing else is done to the slot meanwhile. */
  transition: Promise<void> | null;
}

export interface Reconciler {
  /** Brings the running workers to a sync answer: start, stop, restart, resize. */
  apply(answer: SyncAnswer): void;
  /** Each worker's entry for the next sync (its unsent transitions included). */
  reports(): WorkerReport[];
  /** The coordinator answered a sync carrying these reports. */
  sent(reports: readonly WorkerReport[]): void;
  /** Drains and stops every worker; none is started afterwards. */
  drainAll(reason: string): Promise<void>;
  summaries(): WorkerSummary[];
}

/**
 * The host's workers by id, against what the coordinator wants: it starts the ones it does
 * not run, drains and stops the ones no longer listed or disabled, restarts one whose
 * generation went up or whose topics changed, and changes concurrency in place. The worker
 * this host's configuration declares is always reported (with `declared`), so the coordinator
 * learns of it; others only while the coordinator lists them.
 */
export function createReconciler({
  declaredId,
  declared,
  pool,
  drainTimeoutMs,
  deps,
}: {
  declaredId: string;
  declared: WorkerReport['declared'];
  pool: string;
  drainTimeoutMs: number;
  deps: WorkerDeps;
}): Reconciler {
  const { log, now } = deps;
  const slots = new Map<string, Slot>();
  let topics = new Map<string, TopicDefinition>();
  let draining = false;
  const refusalsSeen = new Set<string>();

  function slotFor(id: string): Slot {
    let slot = slots.get(id);
    if (slot === undefined) {
      slot = {
        id,
        worker: null,
        desired: null,
        transition: null,
        tracker: createStateTracker({
          now,
          onChange(transition) {
            if (!QUIET_STATES.has(transition.state)) deps.requestSync();
          },
        }),
      };
      slots.set(id, slot);
    }
    return slot;
  }
  if (declared !== null) slotFor(declaredId);

  function stopWorker(slot: Slot, reason: string, then: () => void = () => {}): Promise<void> {
    const worker = slot.worker!;
    slot.transition = worker.stop(reason, drainTimeoutMs).then(() => {
      slot.worker = null;
      slot.transition = null;
      then();
    });
    return slot.transition;
  }

  /** Brings one slot to what the coordinator wants, as far as nothing is under way. */
  function settle(slot: Slot): void {
    const want = slot.desired;
    if (slot.transition !== null || draining) return;
    if (want === null || !want.enabled) {
      const reason = want === null ? 'removed' : 'disabled';
      if (slot.worker !== null) {
        void stopWorker(slot, reason, () => {
          if (slot.desired === null && slot.id !== declaredId) slots.delete(slot.id);
          else settle(slot);
        });
      } else if (want === null && slot.id !== declaredId) slots.delete(slot.id);
      else if (want !== null && slot.tracker.state === 'registered') slot.tracker.set('stopped', reason);
      return;
    }
    const worker = slot.worker;
    if (worker === null) {
      log.info({ worker_id: slot.id, generation: want.generation }, 'starting worker');
      slot.worker = startWorker({ desired: want, topics, tracker: slot.tracker, deps });
    } else if (want.generation > worker.generation || !worker.canApply(want)) {
      const why =
        want.generation > worker.generation ? `restart for generation ${want.generation}` : 'topics changed';
      void stopWorker(slot, why, () => settle(slot));
    } else {
      worker.update(want);
    }
  }

  return {
    apply(answer) {
      for (const { worker_id, type, detail } of answer.refused ?? []) {
        // Said once per worker and reason: every heartbeat would repeat it.
        const key = `${worker_id} ${detail}`;
        if (refusalsSeen.has(key)) continue;
        refusalsSeen.add(key);
        log.error({ worker_id, type, detail }, 'the coordinator refused this worker’s report');
      }
      topics = new Map(answer.topics.map((t) => [t.name, t]));
      const listed = new Set<string>();
      for (const want of answer.workers) {
        listed.add(want.worker_id);
        slotFor(want.worker_id).desired = want;
      }
      for (const slot of slots.values()) {
        if (!listed.has(slot.id)) slot.desired = null;
        settle(slot);
      }
    },
    reports() {
      const out: WorkerReport[] = [];
      for (const slot of slots.values()) {
        // A worker the coordinator no longer lists is not named again: it would be unknown there.
        if (slot.desired === null && slot.id !== declaredId) continue;
        out.push({
          worker_id: slot.id,
          pool: slot.desired?.pool ?? pool,
          declared: slot.id === declaredId ? declared : null,
          generation: slot.worker?.generation ?? slot.desired?.generation ?? 0,
          state: slot.tracker.state,
          reason: slot.tracker.reason,
          busy_slots: slot.worker?.busySlots() ?? 0,
          queue_length: 0,
          benchmark: { ...(slot.worker?.benchmark ?? {}) },
          transitions: slot.tracker.unsent(),
        });
      }
      return out;
    },
    sent(reports) {
      for (const report of reports) slots.get(report.worker_id)?.tracker.sent(report.transitions);
    },
    async drainAll(reason) {
      draining = true;
      await Promise.all(
        [...slots.values()].map(async (slot) => {
          if (slot.transition !== null) await slot.transition;
          if (slot.worker !== null) await stopWorker(slot, reason);
        }),
      );
    },
    summaries: () =>
      [...slots.values()].map((slot) => ({
        worker_id: slot.id,
        generation: slot.worker?.generation ?? slot.desired?.generation ?? null,
        state: slot.tracker.state,
        reason: slot.tracker.reason,
        busy_slots: slot.worker?.busySlots() ?? 0,
        benchmark: { ...(slot.worker?.benchmark ?? {}) },
        history: slot.tracker.history(),
      })),
  };
}
