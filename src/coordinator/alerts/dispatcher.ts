import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { backoffMs } from '../../platform/retry.ts';
import type { Store } from '../../store/store.ts';
import { type AlertsConfig, channelTargets } from './config.ts';
import { type DeliveryMetrics, type DeliveryResult, deliveryMetrics } from './metrics.ts';
import { type FetchLike, type SendOutcome, sendPayload } from './send.ts';

/** The subset of a pino logger the dispatcher uses. */
export interface AlertLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AlertDispatcherOptions {
  store: Pick<Store, 'db'>;
  config: AlertsConfig;
  log: AlertLog;
  fetch?: FetchLike;
  /** The clock for due times and backoff (epoch ms); request timeouts use real time. */
  now?: () => number;
  /** For the backoff jitter; tests pass a constant. */
  random?: () => number;
  /** Where to register `vigil_alert_deliveries_total`; none: no metrics. */
  registry?: Registry;
  /** Most rows one run takes. */
  batchSize?: number;
  /** Most channels sent to at once. */
  concurrency?: number;
}

export interface DispatchResult {
  delivered: number;
  retried: number;
  failed: number;
}

export interface AlertDispatcher {
  /** Starts the loop: a run every `dispatch_interval_ms` (sooner while a backlog drains). */
  start(): void;
  /** Stops the loop and waits for sends in flight; their results are recorded. */
  stop(): Promise<void>;
  /** One pass over the due rows. Never rejects: store errors are logged and count as nothing done. */
  runOnce(): Promise<DispatchResult>;
}

interface DueRow {
  id: string;
  channel: string;
  payload: string;
  attempts: number;
  next_attempt_at: number;
}

// A claimed row is left alone by others this long beyond the request timeout, so a
// coordinator that dies mid-send hands the row to another after the lease: delivery is
// at least once, and a receiver may, rarely, see a body twice.
const LEASE_MARGIN_MS = 30_000;

/** Sends the outbox's pending alerts, retrying with backoff; see docs/alerts.md. */
export function createAlertDispatcher({
  store,
  config,
  log,
  fetch: fetchFn = fetch,
  now = Date.now,
  random = Math.random,
  registry,
  batchSize = 100,
  concurrency = 8,
}: AlertDispatcherOptions): AlertDispatcher {
  const { db } = store;
  const targets = channelTargets(config);
  const metrics: DeliveryMetrics = deliveryMetrics(registry);
  const leaseMs = config.timeout_ms + LEASE_MARGIN_MS;
  const inFlight = new Set<Promise<unknown>>();
  let controller: AbortController | undefined;
  let loopDone: Promise<void> | undefined;

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    return work.finally(() => inFlight.delete(work));
  }

  /**
   * Takes the row by moving its due time to the end of a lease, on the condition that
   * nobody moved it since it was read: of two coordinators on one database, exactly one
   * sees its update change a row. Counting the attempt here means a crash mid-send
   * still uses one up.
   */
  async function claim(row: DueRow): Promise<{ attempts: number; leaseUntil: number } | null> {
    const attempts = row.attempts + 1;
    const leaseUntil = now() + leaseMs;
    const result = await db
      .updateTable('alert_deliveries')
      .set({ attempts, next_attempt_at: leaseUntil })
      .where('id', '=', row.id)
      .where('state', '=', 'pending')
      .where('attempts', '=', row.attempts)
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? { attempts, leaseUntil } : null;
  }

  function settlement(outcome: SendOutcome, attempts: number, at: number) {
    if (outcome.kind === 'delivered') {
      return {
        result: 'delivered',
        patch: { state: 'delivered', delivered_at: at, last_error: null },
      } as const;
    }
    if (outcome.kind === 'permanent' || attempts >= config.max_attempts) {
      return { result: 'failed', patch: { state: 'failed', last_error: outcome.error } } as const;
    }
    const wait = backoffMs(attempts, {
      initialMs: config.initial_backoff_ms,
      maxMs: config.max_backoff_ms,
      jitter: 'full',
      retryAfterMs: outcome.retryAfterMs,
      random,
    });
    return {
      result: 'retried',
      patch: { next_attempt_at: at + wait, last_error: outcome.error },
    } as const;
  }

  /** Claims, sends and records one row; null when another dispatcher had it. Never rejects. */
  async function deliver(row: DueRow): Promise<DeliveryResult | null> {
    try {
      const claimed = await claim(row);
      if (claimed === null) return null;
      const target = targets.get(row.channel);
      const outcome: SendOutcome =
        target === undefined
          ? { kind: 'permanent', error: `channel ${row.channel} is no longer configured` }
          : await sendPayload(fetchFn, target, row.payload, { timeoutMs: config.timeout_ms, now: now() });
      const { result, patch } = settlement(outcome, claimed.attempts, now());
      const written = await db
        .updateTable('alert_deliveries')
        .set(patch)
        .where('id', '=', row.id)
        .where('state', '=', 'pending')
        .where('attempts', '=', claimed.attempts)
        .where('next_attempt_at', '=', claimed.leaseUntil)
        .executeTakeFirst();
      const context = { delivery_id: row.id, channel: row.channel, attempts: claimed.attempts };
      if (Number(written.numUpdatedRows) !== 1) {
        // The lease ran out and another dispatcher took the row, or a newer Alertmanager snapshot replaced it.
        log.warn({ ...context, result }, 'alert delivery changed hands while it was being sent');
        return null;
      }
      metrics.record(row.channel, result);
      if (result === 'failed') {
        log.error({ ...context, last_error: patch.last_error }, 'alert delivery failed; giving up');
      } else if (result === 'retried') {
        log.warn(
          { ...context, last_error: patch.last_error, next_attempt_at: patch.next_attempt_at },
          'alert delivery will be retried',
        );
      } else {
        log.debug(context, 'alert delivered');
      }
      return result;
    } catch (err) {
      log.error(
        { err, delivery_id: row.id, channel: row.channel },
        'alert outbox update failed; the row will be retried after its lease',
      );
      return null;
    }
  }

  /**
   * Channels are sent to in parallel (up to `concurrency`), each channel's rows one after
   * another, oldest first: a healthy receiver sees collections in order, and one that
   * fails is tried once per run rather than with every row queued for it.
   */
  async function sendChannel(rows: readonly DueRow[], tally: DispatchResult): Promise<void> {
    for (const row of rows) {
      const result = await deliver(row);
      if (result !== null) tally[result]++;
      if (result === 'retried') return;
    }
  }

  async function dispatchBatch(): Promise<{ tally: DispatchResult; due: number }> {
    const tally: DispatchResult = { delivered: 0, retried: 0, failed: 0 };
    let due: DueRow[];
    try {
      due = await db
        .selectFrom('alert_deliveries')
        .select(['id', 'channel', 'payload', 'attempts', 'next_attempt_at'])
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now())
        // Oldest alert first, not longest due: a retried row goes before later news for the same receiver.
        .orderBy('created_at')
        .orderBy('id')
        .limit(batchSize)
        .execute();
    } catch (err) {
      log.error({ err }, 'alert outbox could not be read; will try again');
      return { tally, due: 0 };
    }
    const byChannel = new Map<string, DueRow[]>();
    for (const row of due) {
      const rows = byChannel.get(row.channel);
      if (rows === undefined) byChannel.set(row.channel, [row]);
      else rows.push(row);
    }
    await forEachLimited([...byChannel.values()], concurrency, (rows) => sendChannel(rows, tally));
    return { tally, due: due.length };
  }

  async function loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const { tally, due } = await track(dispatchBatch());
      // A full batch with nothing left to wait for means more is queued: go on at once.
      if (due >= batchSize && tally.retried === 0) continue;
      await sleep(config.dispatch_interval_ms, undefined, { signal, ref: false }).catch(() => {});
    }
  }

  return {
    start() {
      if (controller !== undefined) return;
      controller = new AbortController();
      loopDone = loop(controller.signal).catch((err: unknown) => {
        log.error({ err }, 'alert dispatcher loop stopped unexpectedly');
      });
    },
    async stop() {
      controller?.abort();
      await loopDone;
      await Promise.allSettled([...inFlight]);
      controller = undefined;
      loopDone = undefined;
    },
    async runOnce() {
      return (await track(dispatchBatch())).tally;
    },
  };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
