/**
 * The workloads the autoscale benchmark replays, generated from a seed so every run and every
 * policy sees the same jobs: arrival times and each job's own service time.
 */

/** A seeded generator (mulberry32): small, fast, and the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Trace {
  name: string;
  /** What the trace is, for the printed table. */
  about: string;
  /** Arrivals happen within [0, duration_s]; every deadline falls before duration_s + deadline_s. */
  duration_s: number;
  deadline_s: number;
  startup_s: number;
  /** Seconds between autoscaler ticks; null: one tick per block, just after it arrives. */
  tick_s: number | null;
  block_s: number | null;
  /** Arrival times (s), ascending. */
  arrivals: Float64Array;
  /** Each job's service time on one replica (s). */
  service_s: Float64Array;
  /** Replicas running at time 0 (the hindsight schedule starts from the same count). */
  initial_replicas: number;
}

export interface TraceOptions {
  seed: number;
  /** Multiplies every trace's duration (0.25 for a quick run). */
  scale: number;
}

/** Lognormal service times with the given mean and coefficient of variation 0.5. */
function serviceTimes(n: number, mean_s: number, random: () => number): Float64Array {
  const cv = 0.5;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const mu = Math.log(mean_s) - (sigma * sigma) / 2;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Box–Muller; 1 − u keeps log away from 0.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    out[i] = Math.exp(mu + sigma * z);
  }
  return out;
}

/** A Poisson process with rate `rate(t)` ≤ `peak`, by thinning. */
function poisson(
  rate: (t: number) => number,
  peak: number,
  duration_s: number,
  random: () => number,
): number[] {
  const out: number[] = [];
  let t = 0;
  for (;;) {
    t += -Math.log(1 - random()) / peak;
    if (t > duration_s) return out;
    if (random() * peak < rate(t)) out.push(t);
  }
}

function streamTrace(
  name: string,
  about: string,
  duration_s: number,
  rate: (t: number) => number,
  peak: number,
  { seed }: TraceOptions,
): Trace {
  const random = seededRandom(seed ^ hash(name));
  const arrivals = Float64Array.from(poisson(rate, peak, duration_s, random));
  const mean_s = 1;
  return {
    name,
    about,
    duration_s,
    deadline_s: 60,
    startup_s: 15,
    tick_s: 5,
    block_s: null,
    arrivals,
    service_s: serviceTimes(arrivals.length, mean_s, random),
    initial_replicas: Math.max(1, Math.ceil(rate(0) * mean_s * 1.1)),
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The five workloads of issue 15. */
export function traces(options: TraceOptions): Trace[] {
  const k = options.scale;
  const diurnal_s = 4 * 3600 * k;
  const hour_s = 3600 * k;
  const flash_at = hour_s / 3;
  return [
    streamTrace(
      'diurnal',
      '2 → 20 jobs/s and back, one cycle',
      diurnal_s,
      (t) => 2 + (18 * (1 - Math.cos((2 * Math.PI * t) / diurnal_s))) / 2,
      20,
      options,
    ),
    streamTrace(
      'flash',
      '4 → 40 jobs/s within 60 s, 10 min, 5 min back',
      hour_s,
      (t) => {
        if (t < flash_at) return 4;
        if (t < flash_at + 60) return 4 + (36 * (t - flash_at)) / 60;
        if (t < flash_at + 660) return 40;
        if (t < flash_at + 960) return 40 - (36 * (t - flash_at - 660)) / 300;
        return 4;
      },
      40,
      options,
    ),
    streamTrace(
      'on-off',
      '20 jobs/s for 2 min, 1 job/s for 3 min',
      hour_s,
      (t) => (t % 300 < 120 ? 20 : 1),
      20,
      options,
    ),
    streamTrace('ramp', '1 → 30 jobs/s over the hour', hour_s, (t) => 1 + (29 * t) / hour_s, 30, options),
    blockTrace(options),
  ];
}

/**
 * Liquidation bots' work: every 12 s a block brings a burst of checks, about 100 on average,
 * swinging between 50 and 150 over a 30-minute cycle of market activity, and each block's work
 * is due before the next block.
 */
function blockTrace({ seed, scale }: TraceOptions): Trace {
  const random = seededRandom(seed ^ hash('blocks'));
  const duration_s = 3600 * scale;
  const block_s = 12;
  const arrivals: number[] = [];
  for (let t = 0; t < duration_s; t += block_s) {
    const mean = 100 * (1 + 0.5 * Math.sin((2 * Math.PI * t) / 1800));
    // Normal approximation of a Poisson count.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const n = Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
    for (let i = 0; i < n; i++) arrivals.push(t);
  }
  const mean_s = 0.5;
  return {
    name: 'blocks',
    about: '50–150 jobs per 12 s block, due by the next block',
    duration_s,
    deadline_s: block_s,
    startup_s: 10,
    tick_s: null,
    block_s,
    arrivals: Float64Array.from(arrivals),
    service_s: serviceTimes(arrivals.length, mean_s, random),
    initial_replicas: Math.ceil((100 * mean_s) / block_s),
  };
}

/** A trace of several days, with the length of its day. */
export interface DaysTrace extends Trace {
  /** One cycle of the daily pattern (s). */
  period_s: number;
  days: number;
}

/**
 * The diurnal cycle day after day, for a forecast to learn from: `days` compressed days of
 * 4 h each (× scale), each 2 → 20 jobs/s and back with the day's peak scaled by a seeded
 * 0.9–1.1, so no day repeats the one before exactly.
 */
export function diurnalDaysTrace(options: TraceOptions, days = 8): DaysTrace {
  const period_s = 4 * 3600 * options.scale;
  const random = seededRandom(options.seed ^ hash('diurnal-days:peaks'));
  const peaks = Array.from({ length: days }, () => 0.9 + 0.2 * random());
  const rate = (t: number) => {
    const day = Math.min(days - 1, Math.floor(t / period_s));
    return 2 + (18 * (peaks[day] as number) * (1 - Math.cos((2 * Math.PI * t) / period_s))) / 2;
  };
  const trace = streamTrace(
    'diurnal-days',
    `2 → 18–22 jobs/s and back, ${days} days of ${period_s / 3600} h`,
    days * period_s,
    rate,
    22,
    options,
  );
  return { ...trace, period_s, days };
}

/** The part of a trace from `from_s` on, shifted to start at 0, with `initial_replicas` running. */
export function traceFrom(trace: Trace, from_s: number, initial_replicas: number): Trace {
  let first = 0;
  while (first < trace.arrivals.length && (trace.arrivals[first] as number) < from_s) first++;
  return {
    ...trace,
    duration_s: trace.duration_s - from_s,
    arrivals: trace.arrivals.slice(first).map((t) => t - from_s),
    service_s: trace.service_s.slice(first),
    initial_replicas,
  };
}
