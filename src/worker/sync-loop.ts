import type { SyncAnswer, WorkerReport } from '../core/work/protocol.ts';
import { CallAbortedError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import { createWaker } from '../platform/wait.ts';
import type { WorkerCalls } from './coordinator-calls.ts';
import type { LeaseKeeper } from './leases.ts';

export const WORKER_VERSION = '0.1.0';
/** Calls coalesced into one sync after a state change. */
const SYNC_DEBOUNCE_MS = 50;
/** The lease length assumed until the coordinator's first answer says. */
const DEFAULT_LEASE_MS = 30_000;

/** What a sync carries and what its answer is applied to: the host's workers. */
export interface SyncedWorkers {
  reports(): WorkerReport[];
  sent(reports: readonly WorkerReport[]): void;
  apply(answer: SyncAnswer): void;
}

export interface SyncLoopOptions {
  calls: WorkerCalls;
  leases: LeaseKeeper;
  nodeId: string;
  log: Logger;
  now: () => number;
  heartbeatIntervalMs: number;
}

/**
 * The host's heartbeat: `POST /workers/sync` every `heartbeatIntervalMs`, and soon after a
 * state change (calls within 50 ms coalesce into one). Each answer goes to the workers, and
 * its lease length to the lease keeper. A failed sync is tried again sooner, backing off up to
 * the heartbeat interval; it is said at the first failure and every tenth, not at each.
 */
export class SyncLoop {
  readonly #o: SyncLoopOptions;
  readonly #waker = createWaker();
  readonly #stop = new AbortController();
  #workers: SyncedWorkers | null = null;
  #loop: Promise<void> | null = null;
  #debounce: NodeJS.Timeout | undefined;
  #waiters: Array<() => void> = [];
  #leaseMs = DEFAULT_LEASE_MS;
  #lastSyncAtMs: number | null = null;
  #failures = 0;

  constructor(options: SyncLoopOptions) {
    this.#o = options;
  }

  /** The coordinator's lease length, as its last answer said. */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  get lastSyncAtMs(): number | null {
    return this.#lastSyncAtMs;
  }

  /** Syncs that failed in a row. */
  get failures(): number {
    return this.#failures;
  }

  /** Asks for a sync soon (state changed, or the coordinator refused something). */
  request(): void {
    if (this.#debounce !== undefined) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#waker.wake();
    }, SYNC_DEBOUNCE_MS);
  }

  /** Resolves once a sync that began after the call was answered (or the host stops). */
  answered(): Promise<void> {
    return new Promise<void>((done) => this.#waiters.push(done));
  }

  start(workers: SyncedWorkers): void {
    this.#workers = workers;
    this.#loop = this.#run();
  }

  /** Ends the heartbeat, giving up the sync in flight; `syncOnce` may still follow. */
  async stop(): Promise<void> {
    clearTimeout(this.#debounce);
    this.#stop.abort(new Error('stopping'));
    this.#waker.wake();
    await this.#loop;
  }

  /** Lets go of everyone waiting for an answer: no more syncs are coming. */
  releaseWaiters(): void {
    for (const done of this.#waiters.splice(0)) done();
  }

  /** One sync now; whether the coordinator answered. */
  async syncOnce(signal?: AbortSignal): Promise<boolean> {
    const { calls, leases, nodeId, log, now } = this.#o;
    const workers = this.#workers!;
    const waiters = this.#waiters;
    this.#waiters = [];
    const sent = workers.reports();
    try {
      const answer = await calls.sync({ version: WORKER_VERSION, workers: sent }, signal);
      workers.sent(sent);
      this.#lastSyncAtMs = now();
      if (this.#failures > 0) log.info({ after_failures: this.#failures }, 'sync answered again');
      this.#failures = 0;
      if (answer.node_id !== undefined && answer.node_id !== nodeId) {
        log.warn({ answered_for: answer.node_id }, 'the coordinator answered for another node id');
      }
      if (answer.lease_ms > 0) {
        this.#leaseMs = answer.lease_ms;
        leases.setLeaseMs(answer.lease_ms);
      }
      workers.apply(answer);
      for (const done of waiters) done();
      return true;
    } catch (error) {
      this.#waiters = waiters.concat(this.#waiters);
      if (error instanceof CallAbortedError) return false;
      this.#failures++;
      const fields = { failures: this.#failures, error: (error as Error).message };
      if (this.#failures === 1 || this.#failures % 10 === 0) log.warn(fields, 'sync failed');
      else log.debug(fields, 'sync failed');
      return false;
    }
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const { heartbeatIntervalMs } = this.#o;
    while (!signal.aborted) {
      const ok = await this.syncOnce(signal);
      if (signal.aborted) return;
      const retryMs = Math.min(heartbeatIntervalMs, 250 * 2 ** Math.min(this.#failures, 8));
      await this.#waker.sleep(ok ? heartbeatIntervalMs : retryMs);
    }
  }
}
