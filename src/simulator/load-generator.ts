import { randomBytes } from 'node:crypto';
import type { Logger } from '../platform/log.ts';

/** The payload shapes of the example adapters (examples/adapters, the work service). */
export type PayloadKind = 'sha256-chain' | 'primes' | 'wordfreq';

const WORDS = (
  'node network worker epoch tenant job queue lease verify settle probe latency uptime budget ' +
  'reward burst backlog replica shard block hash prime digest sample quorum monitor report'
).split(' ');

const pick = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)] as T;

/** Small, real work for each example adapter: tens of milliseconds, not seconds. */
export const payloadGenerators: Record<PayloadKind, (random: () => number) => unknown> = {
  'sha256-chain': (random) => ({
    data: `${pick(WORDS, random)}-${Math.floor(random() * 1e9)}`,
    rounds: 1000 + Math.floor(random() * 19_000),
  }),
  primes: (random) => ({ below: 10_000 + Math.floor(random() * 490_000) }),
  wordfreq: (random) => ({
    text: Array.from({ length: 20 + Math.floor(random() * 200) }, () => pick(WORDS, random)).join(' '),
  }),
};

export interface TenantLoad {
  tenantId: string;
  /** Topics this tenant submits to (picked at random per job) and the payload each takes. */
  topics: readonly { topic: string; payload: PayloadKind }[];
  /** Steady submissions per second (0: bursts only). */
  ratePerSecond: number;
  /** Every `burstEveryMs`, `burstSize` more jobs at once. Null: no bursts. */
  burstEveryMs?: number | null;
  burstSize?: number;
  /** When the first burst comes, from the start; `burstEveryMs` when absent. */
  firstBurstAfterMs?: number;
  /** A daily (and weekly) cycle of the steady rate; none: the rate is flat. */
  cycle?: DemandCycle;
}

/**
 * Demand that rises and falls like a day's: the steady rate times `1 + amplitude × sin(2π t /
 * dayMs + phase)`, and times `weekend` on the last two days of every seven. Times are absolute
 * (UTC ms), so a restarted generator carries on where the cycle was, as real demand would.
 */
export interface DemandCycle {
  dayMs: number;
  /** 0 to 1: how far the rate swings around its mean. */
  amplitude: number;
  /** Radians. */
  phase?: number;
  /** The weekend's share of a weekday's rate; 1 (no weekly cycle) by default. */
  weekend?: number;
}

/** The share of the steady rate a cycle asks for at `at`. */
export function cycleFactor(cycle: DemandCycle | undefined, at: number): number {
  if (cycle === undefined) return 1;
  const day = Math.floor(at / cycle.dayMs);
  const weekend = ((day % 7) + 7) % 7 >= 5 ? (cycle.weekend ?? 1) : 1;
  const daily = 1 + cycle.amplitude * Math.sin((2 * Math.PI * at) / cycle.dayMs + (cycle.phase ?? 0));
  return Math.max(0, daily) * weekend;
}

export interface LoadGeneratorOptions {
  coordinatorUrl: string;
  /** An operator key: it names each job's tenant in `tenant_id`. */
  apiKey: string;
  tenants: readonly TenantLoad[];
  /** Submissions awaiting an answer; past it, due jobs are skipped (and counted), not queued. */
  maxInFlight?: number;
  tickMs?: number;
  requestTimeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  random?: () => number;
  /** Prefix of every idempotency key; unique per generator by default. */
  runId?: string;
  log?: Pick<Logger, 'warn'>;
}

export interface TenantCounts {
  /** Answered 201: a new job. */
  submitted: number;
  /** Answered 200: the coordinator already had this idempotency key. */
  duplicates: number;
  /** Answered 4xx (or 5xx twice): the coordinator said no. */
  refused: number;
  /** No answer twice (network error or timeout). */
  errors: number;
  /** Due while `maxInFlight` submissions were pending: never sent. */
  skipped: number;
}

export interface LoadGenerator {
  /** Ticks every `tickMs` until stopped. */
  start(): void;
  /** Submits what is due now: the steady rate since the last tick and any burst. */
  tick(): void;
  /** Resolves when no submission is pending. */
  idle(): Promise<void>;
  /** Stops ticking, aborts pending submissions (counted as errors) and waits for them to end. */
  stop(): Promise<void>;
  stats(): { inFlight: number; tenants: Record<string, TenantCounts> };
}

interface TenantState {
  load: TenantLoad;
  counts: TenantCounts;
  nextSteadyAt: number | null;
  nextBurstAt: number | null;
}

/**
 * Tenants' traffic for `vigil up`: each tenant submits jobs to `POST /jobs` at a steady rate
 * with periodic bursts, so queues fill and drain and the autoscaler has something to follow.
 * Open loop: a slow coordinator makes jobs be skipped, never piles them up in memory.
 */
export function createLoadGenerator(o: LoadGeneratorOptions): LoadGenerator {
  const now = o.now ?? Date.now;
  const maxInFlight = o.maxInFlight ?? 32;
  const tickMs = o.tickMs ?? 100;
  const tenants: TenantState[] = o.tenants.map((load) => ({
    load,
    counts: { submitted: 0, duplicates: 0, refused: 0, errors: 0, skipped: 0 },
    nextSteadyAt: null,
    nextBurstAt: null,
  }));
  const pending = new Set<Promise<void>>();
  const stopping = new AbortController();
  const submit = createSubmitter(o, stopping.signal);
  let timer: NodeJS.Timeout | undefined;

  function launch(tenant: TenantState): void {
    if (pending.size >= maxInFlight) {
      tenant.counts.skipped++;
      return;
    }
    const job = submit(tenant).finally(() => pending.delete(job));
    pending.add(job);
  }

  const generator: LoadGenerator = {
    start() {
      if (timer !== undefined || stopping.signal.aborted) return;
      generator.tick();
      timer = setInterval(() => generator.tick(), tickMs);
    },
    tick() {
      if (stopping.signal.aborted) return;
      const at = now();
      for (const tenant of tenants) {
        const due = dueNow(tenant, at);
        for (let i = 0; i < due; i++) launch(tenant);
      }
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      stopping.abort();
      await generator.idle();
    },
    stats: () => ({
      inFlight: pending.size,
      tenants: Object.fromEntries(tenants.map((t) => [t.load.tenantId, { ...t.counts }])),
    }),
  };
  return generator;
}

/** How many jobs a tenant owes at `at`: its steady share since the last tick, and a burst when one is due. */
function dueNow(tenant: TenantState, at: number): number {
  const { burstEveryMs = null, burstSize = 0 } = tenant.load;
  const ratePerSecond = tenant.load.ratePerSecond * cycleFactor(tenant.load.cycle, at);
  let due = 0;
  if (ratePerSecond <= 0) tenant.nextSteadyAt = null;
  else {
    const intervalMs = 1000 / ratePerSecond;
    tenant.nextSteadyAt ??= at;
    // After a stall (a suspended laptop) send at most a second's worth, not the whole gap.
    const catchUp = Math.max(1, Math.ceil(ratePerSecond));
    while (tenant.nextSteadyAt <= at && due < catchUp) {
      due++;
      tenant.nextSteadyAt += intervalMs;
    }
    if (tenant.nextSteadyAt <= at) tenant.nextSteadyAt = at + intervalMs;
  }
  if (burstEveryMs !== null && burstSize > 0) {
    tenant.nextBurstAt ??= at + (tenant.load.firstBurstAfterMs ?? burstEveryMs);
    if (tenant.nextBurstAt <= at) {
      due += burstSize;
      // Missed bursts are not made up: one burst per period at most.
      while (tenant.nextBurstAt <= at) tenant.nextBurstAt += burstEveryMs;
    }
  }
  return due;
}

/**
 * Sends one job of a tenant and counts how it went; an unanswered or 5xx attempt is tried once
 * more with the same idempotency key, so a retry never makes a second job.
 */
function createSubmitter(
  o: LoadGeneratorOptions,
  stopping: AbortSignal,
): (tenant: TenantState) => Promise<void> {
  const send = o.fetch ?? globalThis.fetch;
  const random = o.random ?? Math.random;
  const requestTimeoutMs = o.requestTimeoutMs ?? 5000;
  const runId = o.runId ?? `load-${randomBytes(4).toString('hex')}`;
  const endpoint = new URL('/jobs', o.coordinatorUrl).href;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` };
  let sequence = 0;

  /** One POST; null when no answer came. */
  async function post(body: string): Promise<{ status: number; text: string } | null> {
    try {
      const res = await send(endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([stopping, AbortSignal.timeout(requestTimeoutMs)]),
      });
      return { status: res.status, text: await res.text() };
    } catch {
      return null;
    }
  }

  return async (tenant) => {
    const { topic, payload } = pick(tenant.load.topics, random);
    const body = JSON.stringify({
      topic,
      payload: payloadGenerators[payload](random),
      idempotency_key: `${runId}-${++sequence}`,
      tenant_id: tenant.load.tenantId,
    });
    let answer = await post(body);
    if ((answer === null || answer.status >= 500) && !stopping.aborted) answer = await post(body);
    const counts = tenant.counts;
    if (answer === null) counts.errors++;
    else if (answer.status === 201) counts.submitted++;
    else if (answer.status === 200) counts.duplicates++;
    else {
      counts.refused++;
      // The first refusals say what is wrong (an unknown topic, a bad key); the rest are counted.
      if (counts.refused <= 3)
        o.log?.warn(
          { tenant: tenant.load.tenantId, topic, status: answer.status, body: answer.text.slice(0, 300) },
          'coordinator refused a job',
        );
    }
  };
}
