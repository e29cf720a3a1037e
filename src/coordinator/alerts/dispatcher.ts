import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import { backoffMs } from '../../platform/retry.ts';
import {
  claimDelivery,
  type DeliverySettlement,
  type DueDelivery,
  dueDeliveries,
  settleDelivery,
} from '../../store/repositories/outbox.ts';
import type { Store } from '../../store/store.ts';
import { type AlertsConfig, type ChannelTarget, channelTargets } from './config.ts';
import { type DeliveryMetrics, type DeliveryResult, deliveryMetrics } from './metrics.ts';
import { ALERTS_STREAM } from './outbox.ts';
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
  /** Channels the configuration does not list (API-configured webhooks, e-mail); see `ExtraChannels`. */
  extraChannels?: ExtraChannels;
}

/** Sends one stored payload to one channel and says what happened; never rejects. */
export type ChannelSend = (
  payload: string,
  options: { timeoutMs: number; now: number },
) => Promise<SendOutcome>;

/**
 * Finds senders for channels the configuration does not list, once per pass, for the names
 * of that pass's rows. A name it leaves out has no receiver any more and its rows fail; when
 * it rejects (the store is down) the rows wait for the next pass.
 */
export type ExtraChannels = (channels: readonly string[]) => Promise<ReadonlyMap<string, ChannelSend>>;

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

// A claimed row is left alone by others this long beyond the request timeout, so a
// coordinator that dies mid-send hands the row to another after the lease: delivery is
// at least once, and a receiver may, rarely, see a body twice.
const LEASE_MARGIN_MS = 30_000;

/** What one pass needs; built once by createAlertDispatcher. */
interface Delivery {
  db: Store['db'];
  config: AlertsConfig;
  targets: ReadonlyMap<string, ChannelTarget>;
  metrics: DeliveryMetrics;
  log: AlertLog;
  fetch: FetchLike;
  now: () => number;
  random: () => number;
  batchSize: number;
  concurrency: number;
  extraChannels: ExtraChannels | undefined;
}

/** Sends the outbox's pending alerts, retrying with backoff; see docs/alerts.md. */
export function createAlertDispatcher({
  store,
  config,
  log,
  fetch = globalThis.fetch,
  now = Date.now,
  random = Math.random,
  registry,
  batchSize = 100,
  concurrency = 8,
  extraChannels,
}: AlertDispatcherOptions): AlertDispatcher {
  const delivery: Delivery = {
    db: store.db,
    config,
    targets: channelTargets(config),
    metrics: deliveryMetrics(registry),
    log,
    fetch,
    now,
    random,
    batchSize,
    concurrency,
    extraChannels,
  };
  const inFlight = new Set<Promise<unknown>>();
  let controller: AbortController | undefined;
  let loopDone: Promise<void> | undefined;

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    return work.finally(() => inFlight.delete(work));
  }

  async function loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const { tally, due } = await track(dispatchBatch(delivery));
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
      return (await track(dispatchBatch(delivery))).tally;
    },
  };
}

/** One pass: the due rows, grouped by channel, each channel's sent in order. */
async function dispatchBatch(d: Delivery): Promise<{ tally: DispatchResult; due: number }> {
  const tally: DispatchResult = { delivered: 0, retried: 0, failed: 0 };
  let due: DueDelivery[];
  try {
    due = await dueDeliveries(d.db, ALERTS_STREAM, d.now(), d.batchSize);
  } catch (err) {
    d.log.error({ err }, 'alert outbox could not be read; will try again');
    return { tally, due: 0 };
  }
  const byChannel = new Map<string, DueDelivery[]>();
  for (const row of due) {
    const rows = byChannel.get(row.channel);
    if (rows === undefined) byChannel.set(row.channel, [row]);
    else rows.push(row);
  }
  const extra = await extraSenders(d, [...byChannel.keys()]);
  if (extra === null) for (const name of byChannel.keys()) if (!d.targets.has(name)) byChannel.delete(name);
  await forEachLimited([...byChannel.values()], d.concurrency, (rows) =>
    sendChannel(d, rows, tally, senderOf(d, extra, (rows[0] as DueDelivery).channel)),
  );
  return { tally, due: due.length };
}

/** The senders of this pass's channels that the configuration does not list; null when they could not be found. */
async function extraSenders(
  d: Delivery,
  names: readonly string[],
): Promise<ReadonlyMap<string, ChannelSend> | null> {
  const unlisted = names.filter((name) => !d.targets.has(name));
  if (unlisted.length === 0 || d.extraChannels === undefined) return new Map();
  try {
    return await d.extraChannels(unlisted);
  } catch (err) {
    d.log.error({ err, channels: unlisted }, 'alert channels could not be looked up; their rows wait');
    return null;
  }
}

/** How a channel's rows are sent now: to its configured target, by an extra sender, or nowhere (undefined). */
function senderOf(
  d: Delivery,
  extra: ReadonlyMap<string, ChannelSend> | null,
  channel: string,
): ChannelSend | undefined {
  const target = d.targets.get(channel);
  if (target !== undefined) return (payload, options) => sendPayload(d.fetch, target, payload, options);
  return extra?.get(channel);
}

/**
 * Channels are sent to in parallel (up to `concurrency`), each channel's rows one after
 * another, oldest first: a healthy receiver sees collections in order, and one that fails is
 * tried once per run rather than with every row queued for it.
 */
async function sendChannel(
  d: Delivery,
  rows: readonly DueDelivery[],
  tally: DispatchResult,
  send: ChannelSend | undefined,
): Promise<void> {
  for (const row of rows) {
    const result = await deliver(d, row, send);
    if (result !== null) tally[result]++;
    if (result === 'retried') return;
  }
}

/**
 * Claims, sends and records one row; null when another dispatcher had it. Never rejects.
 * Counting the attempt at the claim means a crash mid-send still uses one up.
 */
async function deliver(
  d: Delivery,
  row: DueDelivery,
  send: ChannelSend | undefined,
): Promise<DeliveryResult | null> {
  try {
    const claimed = {
      id: row.id,
      attempts: row.attempts + 1,
      leaseUntil: d.now() + d.config.timeout_ms + LEASE_MARGIN_MS,
    };
    if (!(await claimDelivery(d.db, row, claimed.leaseUntil))) return null;
    const outcome: SendOutcome =
      send === undefined
        ? { kind: 'permanent', error: `channel ${row.channel} is no longer configured` }
        : await send(row.payload, { timeoutMs: d.config.timeout_ms, now: d.now() });
    const { result, settlement } = settle(d, outcome, claimed.attempts, d.now());
    const context = { delivery_id: row.id, channel: row.channel, attempts: claimed.attempts };
    if (!(await settleDelivery(d.db, claimed, settlement))) {
      // The lease ran out and another dispatcher took the row, or a newer Alertmanager snapshot replaced it.
      d.log.warn({ ...context, result }, 'alert delivery changed hands while it was being sent');
      return null;
    }
    d.metrics.record(row.channel, result);
    if (result === 'failed') {
      d.log.error({ ...context, last_error: settlement.last_error }, 'alert delivery failed; giving up');
    } else if (result === 'retried' && 'next_attempt_at' in settlement) {
      d.log.warn(
        { ...context, last_error: settlement.last_error, next_attempt_at: settlement.next_attempt_at },
        'alert delivery will be retried',
      );
    } else {
      d.log.debug(context, 'alert delivered');
    }
    return result;
  } catch (err) {
    d.log.error(
      { err, delivery_id: row.id, channel: row.channel },
      'alert outbox update failed; the row will be retried after its lease',
    );
    return null;
  }
}

/** What an attempt's outcome means for its row: delivered, given up, or due again after a backoff. */
function settle(
  d: Delivery,
  outcome: SendOutcome,
  attempts: number,
  at: number,
): { result: DeliveryResult; settlement: DeliverySettlement } {
  if (outcome.kind === 'delivered') {
    return { result: 'delivered', settlement: { state: 'delivered', delivered_at: at, last_error: null } };
  }
  if (outcome.kind === 'permanent' || attempts >= d.config.max_attempts) {
    return { result: 'failed', settlement: { state: 'failed', last_error: outcome.error } };
  }
  const wait = backoffMs(attempts, {
    initialMs: d.config.initial_backoff_ms,
    maxMs: d.config.max_backoff_ms,
    jitter: 'full',
    retryAfterMs: outcome.retryAfterMs,
    random: d.random,
  });
  return { result: 'retried', settlement: { next_attempt_at: at + wait, last_error: outcome.error } };
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
