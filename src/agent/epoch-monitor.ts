import type { KeyObject } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { CoordinatorError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import { createWaker } from '../platform/wait.ts';
import { type AssignmentReader, createAssignmentReader } from './assignment-reader.ts';
import type { AgentCalls } from './coordinator-calls.ts';
import type { EpochView } from './coordinator-views.ts';
import { EpochRuns } from './epoch-runs.ts';
import type { Limiter } from './limiter.ts';
import { reportRow } from './log/outbox.ts';
import type { SampleWriter } from './log/sample-writer.ts';
import type { AgentMetrics } from './metrics.ts';
import { createProbeRecorder } from './probe-recorder.ts';
import type { ReferenceGate } from './probes/reference.ts';
import type { ProbeAgents, ProbeKind } from './probes/types.ts';

/** Used until the coordinator has said what the network's interim period is. */
const FALLBACK_INTERIM_PERIOD_S = 900;
/** The loop never spins faster than this, however short the epochs. */
const MIN_TICK_MS = 20;

export interface EpochMonitorOptions {
  db: DatabaseSync;
  calls: AgentCalls;
  nodeId: string;
  privateKey: KeyObject;
  log: Logger;
  metrics: AgentMetrics;
  limiter: Limiter;
  agents: ProbeAgents;
  gate: ReferenceGate;
  writer: SampleWriter;
  /** Told when a summary or a report was stored for delivery. */
  outbox: { wake(): void };
  jitterFraction: number;
  kinds?: readonly ProbeKind[] | undefined;
  /** Longest wait between two looks at `GET /epochs/current` (shorter when probes are more frequent). */
  pollMs: number;
  now: () => number;
}

export interface EpochMonitor {
  start(): void;
  /** Epochs being probed now. */
  readonly epochs: number[];
  /** Stops probing; probes in flight are abandoned (their results are not logged). */
  close(): Promise<void>;
}

/**
 * Follows the coordinator's epochs: starts probing an epoch once its seed is known and this
 * node's assignment is fetched, refreshes the assignment and queues interim summaries every
 * interim period, and when an epoch ends drains its probes and stores its one signed report
 * for the outbox. Assignments are kept in the log, so a restart (even with the coordinator
 * down) resumes probing, and reports an epoch that ended while the agent was away.
 */
export function createEpochMonitor(o: EpochMonitorOptions): EpochMonitor {
  let closed = false;
  const isClosed = () => closed;
  const { db, calls, nodeId, log, metrics, now } = o;
  const recorder = createProbeRecorder({
    agents: o.agents,
    gate: o.gate,
    metrics,
    writer: o.writer,
    log,
    isClosed,
  });
  const runs = new EpochRuns({ ...o, recorder, isClosed });
  const reader = createAssignmentReader({ calls, db, nodeId, log, now });
  const follower = new EpochFollower({ ...o, runs, reader, isClosed });
  const waker = createWaker();
  let loop: Promise<void> | null = null;
  return {
    start() {
      runs.recover();
      loop = (async () => {
        while (!closed) {
          try {
            await follower.tick();
          } catch (error) {
            log.error({ error: (error as Error).message }, 'epoch loop failed; trying again');
          }
          if (closed) break;
          await waker.sleep(follower.nextTickIn());
        }
      })();
    },
    get epochs() {
      return runs.epochs;
    },
    async close() {
      closed = true;
      waker.wake();
      await loop;
      runs.abandon();
    },
  };
}

interface FollowerOptions {
  calls: AgentCalls;
  db: DatabaseSync;
  log: Logger;
  metrics: AgentMetrics;
  runs: EpochRuns;
  reader: AssignmentReader;
  pollMs: number;
  isClosed: () => boolean;
  now: () => number;
}

/** One look at the coordinator per tick: the current epoch, which epochs to start or finish, interim rounds. */
class EpochFollower {
  readonly #o: FollowerOptions;
  #view: EpochView | null = null;
  #coordinatorDown = false;
  #lastInterimAt: number;

  constructor(options: FollowerOptions) {
    this.#o = options;
    this.#lastInterimAt = options.now();
  }

  async tick(): Promise<void> {
    const { runs, isClosed, now } = this.#o;
    await this.#readCurrentEpoch();
    const t = now();
    runs.finishEnded(t);
    if (isClosed()) return;
    await this.#startCurrentEpoch(t);
    if (now() >= this.#nextInterimAt()) {
      this.#lastInterimAt = now();
      runs.queueInterims();
      await this.#refreshTargets();
    }
  }

  /** How long to sleep: until the next poll, probe interval, interim round or epoch end. */
  nextTickIn(): number {
    const t = this.#o.now();
    let wait = this.#o.pollMs;
    if (this.#view !== null) wait = Math.min(wait, this.#view.monitoring.probe_interval_s * 1000);
    wait = Math.min(wait, this.#nextInterimAt() - t, this.#o.runs.nextEndIn(t));
    return Math.max(MIN_TICK_MS, wait);
  }

  /** Due one interim period (the network's, as last read) after the previous round. */
  #nextInterimAt(): number {
    return (
      this.#lastInterimAt + (this.#view?.monitoring.interim_period_s ?? FALLBACK_INTERIM_PERIOD_S) * 1000
    );
  }

  async #readCurrentEpoch(): Promise<void> {
    const { calls, log, metrics } = this.#o;
    try {
      this.#view = await calls.currentEpoch();
      if (this.#coordinatorDown) log.info({ epoch: this.#view.epoch }, 'the current epoch is known again');
      this.#coordinatorDown = false;
      metrics.epoch.set(this.#view.epoch);
    } catch (error) {
      if (!this.#coordinatorDown) {
        // 404 is an answer: the network's first epoch has not begun.
        if (error instanceof CoordinatorError && error.status === 404) log.info({}, 'no epoch has begun yet');
        else log.warn({ error: (error as Error).message }, 'cannot read the current epoch');
      }
      this.#coordinatorDown = true;
    }
  }

  /** Starts probing the current epoch once its seed is known, unless it is done or not ours. */
  async #startCurrentEpoch(t: number): Promise<void> {
    const { db, runs, reader, isClosed } = this.#o;
    const view = this.#view;
    if (view === null || view.seed === null || t >= view.end_ms || runs.has(view.epoch)) return;
    if (reader.notMember(view.epoch) || reportRow(db, view.epoch) !== null) return;
    const assignment = await reader.read(view);
    if (assignment !== null && !isClosed() && !runs.has(assignment.epoch)) runs.start(assignment);
  }

  /** Endpoints can move mid-epoch; the member list cannot. */
  async #refreshTargets(): Promise<void> {
    const { runs, reader, isClosed } = this.#o;
    const view = this.#view;
    if (view === null || !runs.probing(view.epoch)) return;
    const fresh = await reader.read(view);
    if (fresh !== null && !isClosed()) runs.setTargets(view.epoch, fresh.targets);
  }
}
