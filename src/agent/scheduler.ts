import { createHash } from 'node:crypto';
import type { Limiter } from './limiter.ts';
import { planTarget, type TargetPlan } from './probes/target.ts';
import type { ProbeKind, ProbeTarget } from './probes/types.ts';

/** setTimeout's longest delay; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface EpochSpan {
  epoch: number;
  start_ms: number;
  end_ms: number;
}

export interface ProbeSchedulerOptions {
  span: EpochSpan;
  intervalMs: number;
  /** Each probe is shifted by a random amount up to this share of the interval. */
  jitterFraction: number;
  /** Mixed into each target's phase (the monitor's id), so a target's monitors do not probe in step. */
  phaseSalt: string;
  /** Shared by every epoch the agent probes: bounds probes in flight. */
  limiter: Limiter;
  /**
   * Probes one target; `at_ms` is when the probe started (inside the epoch, integer ms). The
   * callee probes with its own timeout and logs the sample.
   */
  probe: (target: TargetPlan, at_ms: number) => Promise<void>;
  /** Which probes targets get; all that apply by default. */
  kinds?: readonly ProbeKind[];
  /** Told when a slot comes while the target's previous probe is still waiting or running. */
  onSkipped?: (target: string) => void;
  now?: () => number;
  random?: () => number;
}

export interface ProbeScheduler {
  /** Targets to probe from now on: new ones are added, missing ones dropped, endpoints refreshed. */
  setTargets(targets: readonly ProbeTarget[]): void;
  readonly targets: readonly string[];
  /** No new probes, queued ones dropped; resolves once the probes already running are done. */
  drain(): Promise<void>;
}

/** A target's stable offset within the interval, in [0, 1): the first 32 bits of SHA-256(salt, id). */
export function phaseOf(salt: string, targetId: string): number {
  return createHash('sha256').update(`${salt}\n${targetId}`).digest().readUInt32BE(0) / 2 ** 32;
}

interface TargetState {
  plan: TargetPlan;
  phaseMs: number;
  timer: NodeJS.Timeout | null;
  /** The slot whose timer is set. */
  slot: number;
  busy: boolean;
}

/**
 * Probes each target once per interval through one epoch. Slot k of a target is due at
 * start_ms + phase + k·interval + jitter: the phase (a hash of monitor and target) spreads
 * targets evenly over the interval and is stable across restarts; the jitter, drawn per slot,
 * keeps a fleet from settling into step. A slot is skipped when the target's previous probe
 * is still queued or running, so a backlog never grows past one probe per target, and slots
 * at or after end_ms are not probed. The concurrency bound is the limiter's.
 */
export function createProbeScheduler({
  span,
  intervalMs,
  jitterFraction,
  phaseSalt,
  limiter,
  probe,
  kinds,
  onSkipped,
  now = Date.now,
  random = Math.random,
}: ProbeSchedulerOptions): ProbeScheduler {
  if (!(intervalMs > 0)) throw new RangeError(`probe interval must be > 0 ms, got ${intervalMs}`);
  const states = new Map<string, TargetState>();
  const inFlight = new Set<Promise<void>>();
  let draining = false;

  function slotTime(state: TargetState, slot: number): number {
    return span.start_ms + state.phaseMs + slot * intervalMs;
  }

  /** The first slot not yet begun at `t`. */
  function slotAfter(state: TargetState, t: number): number {
    return Math.max(0, Math.ceil((t - span.start_ms - state.phaseMs) / intervalMs));
  }

  function arm(id: string, state: TargetState, slot: number): void {
    if (draining || states.get(id) !== state) return;
    const due = Math.floor(slotTime(state, slot) + random() * jitterFraction * intervalMs);
    if (due >= span.end_ms) {
      state.timer = null;
      return;
    }
    state.slot = slot;
    state.timer = setTimeout(() => fire(id, state, due), Math.min(Math.max(0, due - now()), MAX_TIMER_MS));
  }

  function fire(id: string, state: TargetState, due: number): void {
    const t = now();
    if (t < due) {
      // A long wait taken in steps, or a clock that moved back: wait the rest.
      state.timer = setTimeout(() => fire(id, state, due), Math.min(due - t, MAX_TIMER_MS));
      return;
    }
    arm(id, state, Math.max(state.slot + 1, slotAfter(state, t)));
    if (state.busy) {
      onSkipped?.(id);
      return;
    }
    state.busy = true;
    const task = limiter
      .run(async () => {
        // Draining: probes not yet begun are dropped (the epoch is over, or the agent closing).
        if (draining) return;
        const at_ms = Math.trunc(now());
        if (at_ms < span.start_ms || at_ms >= span.end_ms || states.get(id) !== state) return;
        await probe(state.plan, at_ms);
      })
      .catch(() => {
        // `probe` reports its own failures; one that escapes must not stop the schedule.
      })
      .finally(() => {
        state.busy = false;
        inFlight.delete(task);
      });
    inFlight.add(task);
  }

  function remove(id: string): void {
    const state = states.get(id);
    if (state?.timer) clearTimeout(state.timer);
    states.delete(id);
  }

  return {
    setTargets(targets) {
      if (draining) return;
      const wanted = new Set(targets.map((t) => t.node_id));
      for (const id of [...states.keys()]) if (!wanted.has(id)) remove(id);
      for (const target of targets) {
        const plan = planTarget(target, kinds);
        const existing = states.get(target.node_id);
        if (existing !== undefined) {
          existing.plan = plan;
          continue;
        }
        const state: TargetState = {
          plan,
          phaseMs: phaseOf(phaseSalt, target.node_id) * intervalMs,
          timer: null,
          slot: 0,
          busy: false,
        };
        states.set(target.node_id, state);
        arm(target.node_id, state, slotAfter(state, now()));
      }
    },
    get targets() {
      return [...states.keys()];
    },
    async drain() {
      draining = true;
      for (const state of states.values()) if (state.timer) clearTimeout(state.timer);
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
