import type { Trace } from './autoscale-traces.ts';

/**
 * The hindsight-optimal schedule's replica-seconds for a trace: the fewest replica-seconds of
 * any replica-count schedule that finishes every job by its deadline, knowing every arrival and
 * service time in advance, within the same [min, max] as the policies.
 *
 * Method: time is cut into slots of `slot_s`. A schedule is a replica count per slot; starting
 * a replica costs `startup_s` replica-seconds on top (it boots before it serves), stopping one
 * is free. Work is fluid: replicas serve the queued work earliest-deadline-first, and a job may
 * be split across replicas and slots, which no real schedule can do, so this optimum is at most
 * the true one and the printed ratios err against the policies. With one deadline per trace
 * EDF is FIFO, and every deadline is met exactly when, after each slot, the work queued is no
 * more than the work that arrived but is not yet due. A dynamic programme over (replicas, work
 * queued) finds the cheapest schedule: queued work is counted in units of half a replica-slot,
 * with the arrivals rounded on their cumulative sum so the rounding does not accumulate.
 */
export function hindsightOptimum(
  trace: Trace,
  { min_replicas, max_replicas }: { min_replicas: number; max_replicas: number },
): { replica_seconds: number; slot_s: number } {
  const slot_s = trace.block_s === null ? 5 : 2;
  const unit = slot_s / 2;
  const horizon_s = trace.duration_s + trace.deadline_s;
  const slots = Math.ceil(horizon_s / slot_s);
  // Cumulative work (replica-seconds) arrived before each slot ends and due by each slot's end.
  const arrived = new Float64Array(slots + 1);
  const due = new Float64Array(slots + 1);
  {
    const n = trace.arrivals.length;
    let i = 0;
    let j = 0;
    let a = 0;
    let d = 0;
    for (let k = 1; k <= slots; k++) {
      const end = k * slot_s;
      // Work arriving within a slot is there from the slot's start: optimistic by < one slot.
      while (i < n && (trace.arrivals[i] as number) < end) a += trace.service_s[i++] as number;
      while (j < n && (trace.arrivals[j] as number) + trace.deadline_s <= end)
        d += trace.service_s[j++] as number;
      arrived[k] = a;
      due[k] = d;
    }
  }
  const units = (x: number) => Math.round(x / unit);
  let maxQ = 0;
  for (let k = 1; k <= slots; k++)
    maxQ = Math.max(maxQ, units(arrived[k] as number) - units(due[k] as number));
  const Q = maxQ + 1;
  const N = max_replicas + 1;
  const startup = trace.startup_s;
  let value = new Float64Array(N * Q).fill(Infinity);
  let next = new Float64Array(N * Q);
  value[trace.initial_replicas * Q] = 0;
  const suffix = new Float64Array(N + 1);
  const prefix = new Float64Array(N);
  const best = new Float64Array(N);
  let reachQ = 0;
  for (let k = 1; k <= slots; k++) {
    next.fill(Infinity);
    const arrive = units(arrived[k] as number) - units(arrived[k - 1] as number);
    const allowed = units(arrived[k] as number) - units(due[k] as number);
    let nextReach = 0;
    for (let q = 0; q <= reachQ; q++) {
      // best[m]: the cheapest way to have m replicas in this slot coming from any count with q queued.
      suffix[N] = Infinity;
      for (let n = N - 1; n >= 0; n--)
        suffix[n] = Math.min(suffix[n + 1] as number, value[n * Q + q] as number);
      let run = Infinity;
      for (let n = 0; n < N; n++) {
        run = Math.min(run, (value[n * Q + q] as number) - startup * n);
        prefix[n] = run;
      }
      if ((suffix[0] as number) === Infinity) continue;
      for (let m = min_replicas; m < N; m++) {
        const fromBelow = m > 0 ? (prefix[m - 1] as number) + startup * m : Infinity;
        best[m] = Math.min(suffix[m] as number, fromBelow);
      }
      for (let m = min_replicas; m < N; m++) {
        const q2 = Math.max(0, q + arrive - 2 * m);
        if (q2 > allowed) continue;
        const cost = (best[m] as number) + m * slot_s;
        const at = m * Q + q2;
        if (cost < (next[at] as number)) next[at] = cost;
        if (q2 > nextReach) nextReach = q2;
      }
    }
    [value, next] = [next, value];
    reachQ = nextReach;
  }
  let total = Infinity;
  for (let i = 0; i < N * Q; i++) total = Math.min(total, value[i] as number);
  return { replica_seconds: total, slot_s };
}
