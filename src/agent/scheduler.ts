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
export function createProbeScheduler(options: ProbeSchedulerOptions): ProbeScheduler {
  if (!(options.intervalMs > 0))
    throw new RangeError(`probe interval must be > 0 ms, got ${options.intervalMs}`);
  return new Schedule(options);
}

class Schedule implements ProbeScheduler {
  readonly #o: ProbeSchedulerOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #states = new Map<string, TargetState>();
  readonly #inFlight = new Set<Promise<void>>();
  #draining = false;

  constructor(options: ProbeSchedulerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  setTargets(targets: readonly ProbeTarget[]): void {
    if (this.#draining) return;
    const wanted = new Set(targets.map((t) => t.node_id));
    for (const id of [...this.#states.keys()]) if (!wanted.has(id)) this.#remove(id);
    for (const target of targets) {
      const plan = planTarget(target, this.#o.kinds);
      const existing = this.#states.get(target.node_id);
      if (existing !== undefined) {
        existing.plan = plan;
        continue;
      }
      const state: TargetState = {
        plan,
        phaseMs: phaseOf(this.#o.phaseSalt, target.node_id) * this.#o.intervalMs,
        timer: null,
        slot: 0,
        busy: false,
      };
      this.#states.set(target.node_id, state);
      this.#arm(target.node_id, state, this.#slotAfter(state, this.#now()));
    }
  }

  get targets(): readonly string[] {
    return [...this.#states.keys()];
  }

  async drain(): Promise<void> {
    this.#draining = true;
    for (const state of this.#states.values()) if (state.timer) clearTimeout(state.timer);
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #slotTime(state: TargetState, slot: number): number {
    return this.#o.span.start_ms + state.phaseMs + slot * this.#o.intervalMs;
  }

  /** The first slot not yet begun at `t`. */
  #slotAfter(state: TargetState, t: number): number {
    return Math.max(0, Math.ceil((t - this.#o.span.start_ms - state.phaseMs) / this.#o.intervalMs));
  }

  #arm(id: string, state: TargetState, slot: number): void {
    if (this.#draining || this.#states.get(id) !== state) return;
    const { span, intervalMs, jitterFraction } = this.#o;
    const due = Math.floor(this.#slotTime(state, slot) + this.#random() * jitterFraction * intervalMs);
    if (due >= span.end_ms) {
      state.timer = null;
      return;
    }
    state.slot = slot;
    const wait = Math.min(Math.max(0, due - this.#now()), MAX_TIMER_MS);
    state.timer = setTimeout(() => this.#fire(id, state, due), wait);
  }

  #fire(id: string, state: TargetState, due: number): void {
    const t = this.#now();
    if (t < due) {
      // A long wait taken in steps, or a clock that moved back: wait the rest.
      state.timer = setTimeout(() => this.#fire(id, state, due), Math.min(due - t, MAX_TIMER_MS));
      return;
    }
    this.#arm(id, state, Math.max(state.slot + 1, this.#slotAfter(state, t)));
    if (state.busy) {
      this.#o.onSkipped?.(id);
      return;
    }
    state.busy = true;
    const task = this.#o.limiter
      .run(() => this.#probe(id, state))
      .catch(() => {
        // `probe` reports its own failures; one that escapes must not stop the schedule.
      })
      .finally(() => {
        state.busy = false;
        this.#inFlight.delete(task);
      });
    this.#inFlight.add(task);
  }

  async #probe(id: string, state: TargetState): Promise<void> {
    // Draining: probes not yet begun are dropped (the epoch is over, or the agent closing).
    if (this.#draining) return;
    const at_ms = Math.trunc(this.#now());
    const { span } = this.#o;
    if (at_ms < span.start_ms || at_ms >= span.end_ms || this.#states.get(id) !== state) return;
    await this.#o.probe(state.plan, at_ms);
  }

  #remove(id: string): void {
    const state = this.#states.get(id);
    if (state?.timer) clearTimeout(state.timer);
    this.#states.delete(id);
  }
}
