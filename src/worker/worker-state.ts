import type { StateTransition, WorkerState } from '../core/work/protocol.ts';

/** The contract's limit on transitions per sync; older unsent ones are dropped first. */
export const MAX_TRANSITIONS_PER_SYNC = 50;
const HISTORY = 200;

export interface WorkerStateTracker {
  readonly state: WorkerState;
  readonly reason: string | null;
  /** Changes state; the same state and reason again is no change. Returns whether it changed. */
  set(state: WorkerState, reason?: string | null): boolean;
  /** The transitions not yet answered by a sync, oldest first (a copy). */
  unsent(): StateTransition[];
  /** The coordinator answered a sync that carried these: they are kept there now. */
  sent(transitions: readonly StateTransition[]): void;
  /** Every transition this process saw, oldest first (bounded), for /status and tests. */
  history(): StateTransition[];
}

/**
 * One worker's state and the transitions the next sync must carry. It outlives the worker
 * objects run under its id: a restart (generation bump) continues the same record, so the
 * coordinator sees draining → stopped → starting … in order.
 */
export function createStateTracker({
  now,
  onChange = () => {},
  initial = 'registered',
}: {
  now: () => number;
  onChange?: (transition: StateTransition) => void;
  initial?: WorkerState;
}): WorkerStateTracker {
  let state: WorkerState = initial;
  let reason: string | null = null;
  let pending: StateTransition[] = [];
  const past: StateTransition[] = [];
  return {
    get state() {
      return state;
    },
    get reason() {
      return reason;
    },
    set(next, why = null) {
      if (next === state && why === reason) return false;
      state = next;
      reason = why;
      const transition = { state: next, reason: why, at_ms: Math.trunc(now()) };
      pending.push(transition);
      if (pending.length > MAX_TRANSITIONS_PER_SYNC) pending = pending.slice(-MAX_TRANSITIONS_PER_SYNC);
      past.push(transition);
      if (past.length > HISTORY) past.shift();
      onChange(transition);
      return true;
    },
    unsent: () => pending.slice(),
    sent(transitions) {
      const done = new Set(transitions);
      pending = pending.filter((t) => !done.has(t));
    },
    history: () => past.slice(),
  };
}
