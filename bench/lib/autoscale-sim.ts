import { decide } from '../../src/core/scaling/decide.ts';
import {
  EMPTY_STATE,
  type Reading,
  type ScaledTarget,
  type ScalingState,
} from '../../src/core/scaling/types.ts';
import type { Trace } from './autoscale-traces.ts';

/**
 * A virtual-time simulation of one scaled target serving a trace: an event queue, no sleeping.
 * Replicas each serve one job at a time from one FIFO queue; a replica asked for serves after
 * the trace's start-up time and costs replica-seconds from the moment it is asked for. Every
 * tick the autoscaler's readings are taken from the simulated queue and `decide()` sets the
 * desired count; a scale-down stops starting replicas first, then idle ones, then drains busy
 * ones (they finish their job, as `vigil worker` does on SIGTERM).
 */

/** The metric names the simulated sources publish, as a real autoscaler's sources would. */
export const METRICS = {
  /** Jobs waiting (the seed's Redis list length). */
  queue: 'queue',
  /** Jobs waiting or in service. */
  backlog: 'backlog',
  arrival_rate_per_s: 'arrival_rate_per_s',
  throughput_per_replica_per_s: 'throughput_per_replica_per_s',
  /** Busy share of the running replicas over the last tick. */
  utilization: 'utilization',
} as const;

export interface SimResult {
  jobs: number;
  within_deadline: number;
  replica_seconds: number;
  /** Ticks whose decision changed the desired count. */
  actions: number;
  peak_replicas: number;
  reasons: Record<string, number>;
}

const THROUGHPUT_WINDOW_S = 120;

export interface SimOptions {
  /** The window the arrival rate is measured over (s). */
  rate_window_s?: number;
  /**
   * The figures count jobs arriving from this time on and replica-seconds spent from it: the
   * days a forecast exists for, when the days before only build its history.
   */
  measure_from_s?: number;
  /**
   * The demand series the coordinator would sample (decision 0086), one value per `interval_s`:
   * max(work arriving, busy) in slots. `readings` adds readings to every tick from the
   * complete intervals so far (a forecast made from them).
   */
  demand?: {
    interval_s: number;
    readings: (now_s: number, series: readonly number[]) => Record<string, Reading | undefined>;
  };
}

type ReplicaState = 'starting' | 'idle' | 'busy' | 'draining' | 'stopped';
interface Replica {
  asked_at: number;
  state: ReplicaState;
  stopped_at: number;
}

// Event kinds, in the order they run when they fall at the same time.
const READY = 0;
const DONE = 1;
const ARRIVE = 2;
const TICK = 3;

/** A binary heap of events by (time, kind, sequence). */
class Events {
  private t: number[] = [];
  private k: number[] = [];
  private ref: number[] = [];
  private seq: number[] = [];
  private n = 0;
  private counter = 0;
  get size(): number {
    return this.n;
  }
  private less(a: number, b: number): boolean {
    const ta = this.t[a] as number;
    const tb = this.t[b] as number;
    if (ta !== tb) return ta < tb;
    if (this.k[a] !== this.k[b]) return (this.k[a] as number) < (this.k[b] as number);
    return (this.seq[a] as number) < (this.seq[b] as number);
  }
  private swap(a: number, b: number): void {
    for (const arr of [this.t, this.k, this.ref, this.seq])
      [arr[a], arr[b]] = [arr[b] as number, arr[a] as number];
  }
  push(time: number, kind: number, ref: number): void {
    let i = this.n++;
    this.t[i] = time;
    this.k[i] = kind;
    this.ref[i] = ref;
    this.seq[i] = this.counter++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): { time: number; kind: number; ref: number } {
    const top = { time: this.t[0] as number, kind: this.k[0] as number, ref: this.ref[0] as number };
    this.n--;
    if (this.n > 0) {
      this.swap(0, this.n);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.n && this.less(l, m)) m = l;
        if (r < this.n && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  peekTime(): number {
    return this.t[0] as number;
  }
}

export function simulate(
  trace: Trace,
  target: ScaledTarget,
  { rate_window_s = 30, measure_from_s = 0, demand }: SimOptions = {},
): SimResult {
  const horizon_s = trace.duration_s + trace.deadline_s;
  const events = new Events();
  const replicas: Replica[] = [];
  const idle: number[] = [];
  const running: number[] = []; // job index per replica, −1 when none
  const queue: number[] = [];
  let head = 0;
  let within = 0;
  let busy = 0;
  let ready = 0;
  let busy_integral = 0;
  let ready_integral = 0;
  let last_t = 0;
  const done_at: number[] = []; // completion times within the throughput window
  const done_service: number[] = [];
  let done_head = 0;
  let throughput: Reading | undefined;
  let desired: number | null = null;
  let state: ScalingState = EMPTY_STATE;
  let actions = 0;
  let peak = 0;
  const reasons: Record<string, number> = {};

  const live = () =>
    replicas.filter((r) => r.state === 'starting' || r.state === 'idle' || r.state === 'busy');

  const startReplica = (now: number, ready_now: boolean) => {
    const id = replicas.length;
    replicas.push({ asked_at: now, state: 'starting', stopped_at: horizon_s });
    running.push(-1);
    if (ready_now) becomeReady(id, now);
    else events.push(now + trace.startup_s, READY, id);
  };
  const becomeReady = (id: number, now: number) => {
    const r = replicas[id] as Replica;
    if (r.state !== 'starting') return;
    r.state = 'idle';
    ready++;
    idle.push(id);
    dispatch(now);
  };
  const dispatch = (now: number) => {
    while (head < queue.length && idle.length > 0) {
      const id = idle.pop() as number;
      const job = queue[head++] as number;
      (replicas[id] as Replica).state = 'busy';
      running[id] = job;
      busy++;
      events.push(now + (trace.service_s[job] as number), DONE, id);
    }
  };
  const stop = (r: Replica, now: number) => {
    r.state = 'stopped';
    r.stopped_at = Math.min(now, horizon_s);
  };
  const scaleTo = (count: number, now: number) => {
    let have = live();
    for (let i = have.length; i < count; i++) startReplica(now, false);
    if (have.length <= count) return;
    let excess = have.length - count;
    // Starting replicas first (newest first), then idle ones, then busy ones, which drain.
    for (const r of have.filter((x) => x.state === 'starting').reverse()) {
      if (excess === 0) break;
      stop(r, now);
      excess--;
    }
    while (excess > 0 && idle.length > 0) {
      const id = idle.pop() as number;
      stop(replicas[id] as Replica, now);
      ready--;
      excess--;
    }
    have = live();
    for (const r of have) {
      if (excess === 0) break;
      if (r.state === 'busy') {
        r.state = 'draining';
        ready--;
        excess--;
      }
    }
  };

  const arrivals = trace.arrivals;
  const countArrivedBy = (t: number): number => {
    let lo = 0;
    let hi = arrivals.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((arrivals[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  let last_tick_busy = 0;
  let last_tick_ready = 0;
  // The demand series: per complete interval, jobs arrived × the mean duration of the attempts
  // that ended in it (the work arriving), or the mean busy slots when more (decision 0086).
  const series: number[] = [];
  let interval_busy_start = 0;
  let interval_done_from = 0;
  const closeIntervals = (now: number) => {
    if (demand === undefined) return;
    const width = demand.interval_s;
    while ((series.length + 1) * width <= now) {
      const start = series.length * width;
      const end = start + width;
      const arrived = countArrivedBy(end) - countArrivedBy(start);
      let service = 0;
      let ended = 0;
      while (interval_done_from < done_at.length && (done_at[interval_done_from] as number) <= end) {
        service += done_service[interval_done_from] as number;
        ended++;
        interval_done_from++;
      }
      const work = ended === 0 ? 0 : (arrived * (service / ended)) / width;
      const busy_mean = (busy_integral - interval_busy_start) / width;
      interval_busy_start = busy_integral;
      series.push(Math.max(work, busy_mean));
    }
  };
  const tick = (now: number) => {
    closeIntervals(now);
    while (done_head < done_at.length && (done_at[done_head] as number) <= now - THROUGHPUT_WINDOW_S)
      done_head++;
    let served = 0;
    for (let i = done_head; i < done_service.length; i++) served += done_service[i] as number;
    const completions = done_service.length - done_head;
    if (completions > 0) throughput = { value: completions / served, at: done_at.at(-1) as number };
    // Per-block work is measured over whole blocks: a 30 s window over 12 s blocks holds three
    // blocks one tick and two the next, a rate 20 % off either way.
    const arrival_window_s = trace.block_s === null ? rate_window_s : 5 * trace.block_s;
    const window_s = Math.min(arrival_window_s, Math.max(now, 1));
    const arrived = countArrivedBy(now) - countArrivedBy(now - window_s);
    const ready_delta = ready_integral - last_tick_ready;
    const now_ms = Math.round(now * 1000);
    const fresh = (value: number): Reading => ({ value, at: now_ms });
    const readings: Record<string, Reading | undefined> = {
      [METRICS.queue]: fresh(queue.length - head),
      [METRICS.backlog]: fresh(queue.length - head + busy),
      [METRICS.arrival_rate_per_s]: fresh(arrived / window_s),
      [METRICS.throughput_per_replica_per_s]:
        throughput === undefined
          ? undefined
          : { value: throughput.value, at: Math.round(throughput.at * 1000) },
      [METRICS.utilization]:
        ready_delta > 0 ? fresh((busy_integral - last_tick_busy) / ready_delta) : undefined,
      ...demand?.readings(now, series),
    };
    last_tick_busy = busy_integral;
    last_tick_ready = ready_integral;
    const decision = decide({ now_ms, actual: ready, desired, target, readings, state });
    state = decision.state;
    if (now >= measure_from_s) reasons[decision.reason] = (reasons[decision.reason] ?? 0) + 1;
    if (decision.replicas !== (desired ?? ready) && now >= measure_from_s) actions++;
    desired = decision.replicas;
    scaleTo(desired, now);
  };

  for (let i = 0; i < trace.initial_replicas; i++) startReplica(0, true);
  desired = trace.initial_replicas;
  for (let i = 0; i < arrivals.length; i++) events.push(arrivals[i] as number, ARRIVE, i);
  if (trace.tick_s !== null) {
    for (let t = trace.tick_s; t < horizon_s; t += trace.tick_s) events.push(t, TICK, 0);
  } else {
    for (let t = 0; t < horizon_s; t += trace.block_s as number) events.push(t, TICK, 0);
  }

  while (events.size > 0 && events.peekTime() <= horizon_s) {
    const e = events.pop();
    busy_integral += busy * (e.time - last_t);
    ready_integral += ready * (e.time - last_t);
    last_t = e.time;
    if (e.kind === ARRIVE) {
      queue.push(e.ref);
      dispatch(e.time);
    } else if (e.kind === READY) {
      becomeReady(e.ref, e.time);
    } else if (e.kind === DONE) {
      const id = e.ref;
      const job = running[id] as number;
      running[id] = -1;
      busy--;
      if (
        (arrivals[job] as number) >= measure_from_s &&
        e.time - (arrivals[job] as number) <= trace.deadline_s + 1e-9
      )
        within++;
      done_at.push(e.time);
      done_service.push(trace.service_s[job] as number);
      const r = replicas[id] as Replica;
      if (r.state === 'draining') stop(r, e.time);
      else {
        r.state = 'idle';
        idle.push(id);
        dispatch(e.time);
      }
    } else {
      tick(e.time);
      if (e.time >= measure_from_s) peak = Math.max(peak, live().length);
    }
  }
  let replica_seconds = 0;
  for (const r of replicas)
    replica_seconds += Math.max(0, r.stopped_at - Math.max(r.asked_at, measure_from_s));
  return {
    jobs: arrivals.length - countArrivedBy(measure_from_s - 1e-9),
    within_deadline: within,
    replica_seconds,
    actions,
    peak_replicas: peak,
    reasons,
  };
}
