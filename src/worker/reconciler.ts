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
export function createReconciler(options: ReconcilerOptions): Reconciler {
  return new Workers(options);
}

export interface ReconcilerOptions {
  declaredId: string;
  declared: WorkerReport['declared'];
  pool: string;
  drainTimeoutMs: number;
  deps: WorkerDeps;
}

class Workers implements Reconciler {
  readonly #declaredId: string;
  readonly #declared: WorkerReport['declared'];
  readonly #pool: string;
  readonly #drainTimeoutMs: number;
  readonly #deps: WorkerDeps;
  readonly #slots = new Map<string, Slot>();
  readonly #refusalsSeen = new Set<string>();
  #topics = new Map<string, TopicDefinition>();
  #draining = false;

  constructor({ declaredId, declared, pool, drainTimeoutMs, deps }: ReconcilerOptions) {
    this.#declaredId = declaredId;
    this.#declared = declared;
    this.#pool = pool;
    this.#drainTimeoutMs = drainTimeoutMs;
    this.#deps = deps;
    if (declared !== null) this.#slotFor(declaredId);
  }

  apply(answer: SyncAnswer): void {
    this.#sayRefusals(answer.refused ?? []);
    this.#topics = new Map(answer.topics.map((t) => [t.name, t]));
    const listed = new Set<string>();
    for (const want of answer.workers) {
      listed.add(want.worker_id);
      this.#slotFor(want.worker_id).desired = want;
    }
    for (const slot of this.#slots.values()) {
      if (!listed.has(slot.id)) slot.desired = null;
      this.#settle(slot);
    }
  }

  reports(): WorkerReport[] {
    const out: WorkerReport[] = [];
    for (const slot of this.#slots.values()) {
      // A worker the coordinator no longer lists is not named again: it would be unknown there.
      if (slot.desired === null && slot.id !== this.#declaredId) continue;
      out.push({
        worker_id: slot.id,
        pool: slot.desired?.pool ?? this.#pool,
        declared: slot.id === this.#declaredId ? this.#declared : null,
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
  }

  sent(reports: readonly WorkerReport[]): void {
    for (const report of reports) this.#slots.get(report.worker_id)?.tracker.sent(report.transitions);
  }

  async drainAll(reason: string): Promise<void> {
    this.#draining = true;
    await Promise.all(
      [...this.#slots.values()].map(async (slot) => {
        if (slot.transition !== null) await slot.transition;
        if (slot.worker !== null) await this.#stopWorker(slot, reason);
      }),
    );
  }

  summaries(): WorkerSummary[] {
    return [...this.#slots.values()].map((slot) => ({
      worker_id: slot.id,
      generation: slot.worker?.generation ?? slot.desired?.generation ?? null,
      state: slot.tracker.state,
      reason: slot.tracker.reason,
      busy_slots: slot.worker?.busySlots() ?? 0,
      benchmark: { ...(slot.worker?.benchmark ?? {}) },
      history: slot.tracker.history(),
    }));
  }

  /** Said once per worker and reason: every heartbeat would repeat it. */
  #sayRefusals(refused: NonNullable<SyncAnswer['refused']>): void {
    for (const { worker_id, type, detail } of refused) {
      const key = `${worker_id} ${detail}`;
      if (this.#refusalsSeen.has(key)) continue;
      this.#refusalsSeen.add(key);
      this.#deps.log.error({ worker_id, type, detail }, 'the coordinator refused this worker’s report');
    }
  }

  #slotFor(id: string): Slot {
    let slot = this.#slots.get(id);
    if (slot === undefined) {
      slot = {
        id,
        worker: null,
        desired: null,
        transition: null,
        tracker: createStateTracker({
          now: this.#deps.now,
          onChange: (transition) => {
            if (!QUIET_STATES.has(transition.state)) this.#deps.requestSync();
          },
        }),
      };
      this.#slots.set(id, slot);
    }
    return slot;
  }

  #stopWorker(slot: Slot, reason: string, then: () => void = () => {}): Promise<void> {
    const worker = slot.worker!;
    slot.transition = worker.stop(reason, this.#drainTimeoutMs).then(() => {
      slot.worker = null;
      slot.transition = null;
      then();
    });
    return slot.transition;
  }

  /** Brings one slot to what the coordinator wants, as far as nothing is under way. */
  #settle(slot: Slot): void {
    const want = slot.desired;
    if (slot.transition !== null || this.#draining) return;
    if (want === null || !want.enabled) {
      this.#retire(slot, want);
      return;
    }
    const worker = slot.worker;
    if (worker === null) {
      this.#deps.log.info({ worker_id: slot.id, generation: want.generation }, 'starting worker');
      slot.worker = startWorker({
        desired: want,
        topics: this.#topics,
        tracker: slot.tracker,
        deps: this.#deps,
      });
    } else if (want.generation > worker.generation || !worker.canApply(want)) {
      const why =
        want.generation > worker.generation ? `restart for generation ${want.generation}` : 'topics changed';
      void this.#stopWorker(slot, why, () => this.#settle(slot));
    } else {
      worker.update(want);
    }
  }

  /** A worker no longer listed, or disabled: stopped, and forgotten unless it is the declared one. */
  #retire(slot: Slot, want: DesiredWorker | null): void {
    const reason = want === null ? 'removed' : 'disabled';
    const forget = () => slot.desired === null && slot.id !== this.#declaredId;
    if (slot.worker !== null) {
      void this.#stopWorker(slot, reason, () => {
        if (forget()) this.#slots.delete(slot.id);
        else this.#settle(slot);
      });
    } else if (want === null && slot.id !== this.#declaredId) this.#slots.delete(slot.id);
    else if (want !== null && slot.tracker.state === 'registered') slot.tracker.set('stopped', reason);
  }
}
