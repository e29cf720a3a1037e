import type { Logger } from '../../platform/log.ts';
import { backoffMs } from '../../platform/retry.ts';
import { createWaker, type Waker } from '../../platform/wait.ts';
import { CallAbortedError, CoordinatorError } from '../errors.ts';
import type { OutboxItem, OutboxStore } from './store.ts';

/** Items read per look at the store (per kind, when the role names its kinds). */
const PAGE = 100;
/** After the store itself failed (disk full), the longest wait before looking again. */
const STORE_FAILURE_PAUSE_MS = 5_000;

/** A batch the coordinator did not take: why, and when it is tried again (null: refused for good, split or refused). */
export interface NotDelivered<K extends string, S extends string | number> {
  kind: K;
  items: OutboxItem<K, S>[];
  error: Error;
  retryInMs: number | null;
  /** Failed passes in a row, for a role whose whole outbox waits (`hold: 'outbox'`). */
  failures: number;
}

/** What a role's items are and what the coordinator's answers mean for them. */
export interface OutboxDelivery<K extends string, S extends string | number, A> {
  /** Sends one batch (items of one kind, oldest first); a refusal throws CoordinatorError. */
  send(kind: K, items: OutboxItem<K, S>[], signal: AbortSignal): Promise<A>;
  /** The coordinator took the batch: settle its items in the store (remove them, or keep a record). */
  delivered(kind: K, items: OutboxItem<K, S>[], answer: A): void;
  /** The coordinator refused this item for good, on its own: settle it in the store. */
  refused(item: OutboxItem<K, S>, error: CoordinatorError): void;
  /** Told of every batch that was not taken, before it is retried, split or refused. */
  notDelivered?(failure: NotDelivered<K, S>): void;
}

export interface OutboxSenderOptions<K extends string, S extends string | number, A> {
  store: OutboxStore<K, S>;
  delivery: OutboxDelivery<K, S, A>;
  log: Logger;
  /** The most items one call carries. */
  batchSize: number;
  /** Kinds in the order they go, each read on its own; without it, all kinds go oldest first. */
  kinds?: readonly K[];
  /**
   * What a retryable failure holds back. `item`: only the batch that failed, which waits its
   * own backoff by its attempts while the others go on (the agent: a report the coordinator
   * cannot take yet must not hold back interim summaries). `outbox`: everything, for a backoff
   * by failed passes in a row (the worker: when the coordinator is down, one call per wait).
   */
  hold: 'item' | 'outbox';
  /** The first wait after a failure; it doubles up to `maxMs`, never under the coordinator's Retry-After. */
  backoff: { initialMs: number; maxMs: number };
  /** With nothing due the sender still looks again this often (an item stored by another path). */
  idleRecheckMs: number;
  now?: () => number;
  random?: () => number;
}

export interface OutboxSender {
  /** Look at the outbox now (an item was just stored). */
  wake(): void;
  /**
   * Stops the sender: it keeps sending while items are due, for at most `flushWithinMs`
   * (none by default), then cuts the call in flight, which does not count as an attempt.
   * What is left is sent by the next start.
   */
  close(flushWithinMs?: number): Promise<void>;
}

/** How one pass over the due items ended. */
type Pass = { kind: 'sent'; full: boolean } | { kind: 'hold'; waitMs: number } | { kind: 'aborted' };

/**
 * Delivers a node's outbox: one consumer, so no item is ever in two calls at once, and items
 * leave in the order they were stored. A retryable failure (no answer, 5xx, 429, 401, a "not
 * yet" 409) backs off with jitter; a final refusal of a batch splits it in halves until the
 * item at fault is alone, and only that one is refused, so one bad item never jams the rest.
 */
export function createOutboxSender<K extends string, S extends string | number, A>(
  options: OutboxSenderOptions<K, S, A>,
): OutboxSender {
  const sender = new Sender(options);
  const running = sender.run();
  let closing: Promise<void> | null = null;
  return {
    wake: () => sender.waker.wake(),
    close(flushWithinMs = 0) {
      closing ??= sender.stop(flushWithinMs, running);
      return closing;
    },
  };
}

class Sender<K extends string, S extends string | number, A> {
  readonly waker: Waker = createWaker();
  readonly #o: OutboxSenderOptions<K, S, A>;
  readonly #now: () => number;
  readonly #cut = new AbortController();
  #stopping = false;
  #deadline = Number.POSITIVE_INFINITY;
  /** Passes in a row that ended in a retryable failure (`hold: 'outbox'`). */
  #failures = 0;

  constructor(options: OutboxSenderOptions<K, S, A>) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async run(): Promise<void> {
    const { store, log, backoff, idleRecheckMs } = this.#o;
    for (;;) {
      if (this.#stopping && (this.#timeUp() || !this.#anythingDue())) return;
      let pass: Pass;
      try {
        pass = await this.#pass();
      } catch (error) {
        // The file itself failed (disk full, say): say so and look again later rather than spin.
        log.error({ error: (error as Error).message }, 'outbox could not be read or updated');
        await this.#sleep(Math.min(backoff.maxMs, STORE_FAILURE_PAUSE_MS));
        continue;
      }
      if (pass.kind === 'aborted') return;
      if (pass.kind === 'hold') {
        await this.#sleep(pass.waitMs);
        continue;
      }
      this.#failures = 0;
      // Stopping: straight back to the check at the top, which ends once nothing is due.
      if (pass.full || this.#stopping) continue;
      const next = store.nextDueAt();
      await this.#sleep(next === null ? idleRecheckMs : Math.min(next - this.#now(), idleRecheckMs));
    }
  }

  async stop(flushWithinMs: number, running: Promise<void>): Promise<void> {
    this.#stopping = true;
    this.#deadline = this.#now() + flushWithinMs;
    this.waker.wake();
    const cut = setTimeout(() => {
      this.#cut.abort(new Error('outbox flush time is up'));
      this.waker.wake();
    }, flushWithinMs);
    try {
      await running;
    } finally {
      clearTimeout(cut);
    }
  }

  /** Sends what is due now, kind by kind. */
  async #pass(): Promise<Pass> {
    let full = false;
    for (const kind of this.#o.kinds ?? [null]) {
      const items = this.#o.store.due(this.#now(), { kind, limit: PAGE });
      if (items.length === PAGE) full = true;
      const ended = await this.#deliver(batchesOf(items, this.#o.batchSize));
      if (ended !== null) return ended;
    }
    return { kind: 'sent', full };
  }

  /** Sends batches in order, splitting those refused for good; null when the pass may go on. */
  async #deliver(batches: OutboxItem<K, S>[][]): Promise<Pass | null> {
    const { delivery } = this.#o;
    while (batches.length > 0) {
      if (this.#timeUp()) return { kind: 'aborted' };
      const batch = batches.shift()!;
      const kind = batch[0]!.kind;
      let answer: A;
      try {
        answer = await delivery.send(kind, batch, this.#cut.signal);
      } catch (error) {
        if (error instanceof CallAbortedError) return { kind: 'aborted' };
        if (!(error instanceof CoordinatorError) || error.retryable) {
          const held = this.#retryLater(kind, batch, batches.flat(), error as Error);
          if (held !== null) return held;
          continue;
        }
        delivery.notDelivered?.({ kind, items: batch, error, retryInMs: null, failures: this.#failures });
        if (batch.length === 1) delivery.refused(batch[0]!, error);
        else {
          // Halves go first, in order: the items around the bad one still leave soon.
          const half = Math.ceil(batch.length / 2);
          batches.unshift(batch.slice(0, half), batch.slice(half));
        }
        continue;
      }
      delivery.delivered(kind, batch, answer);
    }
    return null;
  }

  /** Schedules a batch that failed for now; returns the hold when the whole outbox waits. */
  #retryLater(kind: K, batch: OutboxItem<K, S>[], rest: OutboxItem<K, S>[], error: Error): Pass | null {
    const { store, delivery, hold } = this.#o;
    const retryAfterMs = error instanceof CoordinatorError ? error.retryAfterMs : null;
    const now = this.#now();
    if (hold === 'item') {
      const waitMs = this.#backoff(batch[0]!.attempts + 1, retryAfterMs);
      store.retryAt(ids(batch), now + waitMs, error.message);
      delivery.notDelivered?.({ kind, items: batch, error, retryInMs: waitMs, failures: this.#failures });
      return null;
    }
    this.#failures++;
    const waitMs = this.#backoff(this.#failures, retryAfterMs);
    store.retryAt(ids(batch.concat(rest)), now, error.message);
    delivery.notDelivered?.({ kind, items: batch, error, retryInMs: waitMs, failures: this.#failures });
    return { kind: 'hold', waitMs };
  }

  #backoff(failedAttempts: number, retryAfterMs: number | null): number {
    const { backoff, random } = this.#o;
    return backoffMs(failedAttempts, {
      ...backoff,
      retryAfterMs,
      ...(random === undefined ? {} : { random }),
    });
  }

  #anythingDue(): boolean {
    const next = this.#o.store.nextDueAt();
    return next !== null && next <= this.#now();
  }

  #timeUp(): boolean {
    return this.#stopping && (this.#now() >= this.#deadline || this.#cut.signal.aborted);
  }

  /** Waits `ms` (shorter when woken), never past the flush deadline while stopping. */
  #sleep(ms: number): Promise<void> {
    const left = this.#stopping ? this.#deadline - this.#now() : ms;
    return this.waker.sleep(Math.max(0, Math.min(ms, left)));
  }
}

const ids = (items: readonly OutboxItem[]) => items.map((item) => item.id);

/** Runs of items of one kind, oldest first, each cut at `size`. */
function batchesOf<K extends string, S extends string | number>(
  items: OutboxItem<K, S>[],
  size: number,
): OutboxItem<K, S>[][] {
  const batches: OutboxItem<K, S>[][] = [];
  for (const item of items) {
    const last = batches.at(-1);
    if (last !== undefined && last.length < size && last[0]!.kind === item.kind) last.push(item);
    else batches.push([item]);
  }
  return batches;
}
