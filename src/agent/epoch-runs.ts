import type { KeyObject } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Logger } from '../platform/log.ts';
import type { Limiter } from './limiter.ts';
import { deleteAssignment, loadAssignments, type StoredAssignment } from './log/assignments.ts';
import { queueInterimSummary } from './log/interim.ts';
import { reportRow } from './log/outbox.ts';
import type { SampleWriter } from './log/sample-writer.ts';
import type { AgentMetrics } from './metrics.ts';
import type { ProbeRecorder } from './probe-recorder.ts';
import type { ProbeKind, ProbeTarget } from './probes/types.ts';
import { storeEpochReport } from './report.ts';
import { createProbeScheduler, type ProbeScheduler } from './scheduler.ts';

export interface EpochRunsOptions {
  db: DatabaseSync;
  nodeId: string;
  privateKey: KeyObject;
  log: Logger;
  metrics: AgentMetrics;
  limiter: Limiter;
  writer: SampleWriter;
  recorder: ProbeRecorder;
  /** Told when a summary or a report was stored for delivery. */
  outbox: { wake(): void };
  jitterFraction: number;
  kinds?: readonly ProbeKind[] | undefined;
  /** True once the agent is closing: nothing is started or written after that. */
  isClosed: () => boolean;
  now: () => number;
}

/** An epoch being probed, or being finished (its probes drained, its report stored). */
interface Run {
  assignment: StoredAssignment;
  scheduler: ProbeScheduler;
  finishing: Promise<void> | null;
}

/** A run for an epoch that ended while the agent was away: nothing left to probe. */
const NOTHING_TO_PROBE: ProbeScheduler = { setTargets() {}, targets: [], drain: async () => {} };

/**
 * The epochs this node audits now: each probes its targets on its own schedule, queues an
 * interim summary when asked, and once its epoch ended drains its probes, sends their tail
 * as a last interim summary and stores the epoch's one signed report for the outbox.
 */
export class EpochRuns {
  readonly #o: EpochRunsOptions;
  readonly #runs = new Map<number, Run>();

  constructor(options: EpochRunsOptions) {
    this.#o = options;
  }

  /** Epochs being probed or finished now. */
  get epochs(): number[] {
    return [...this.#runs.keys()];
  }

  has(epoch: number): boolean {
    return this.#runs.has(epoch);
  }

  /** Starts probing an epoch's targets. */
  start(assignment: StoredAssignment): void {
    const { nodeId, limiter, recorder, metrics, log, now } = this.#o;
    const run: Run = { assignment, scheduler: NOTHING_TO_PROBE, finishing: null };
    run.scheduler = createProbeScheduler({
      span: assignment,
      intervalMs: assignment.probe_interval_s * 1000,
      jitterFraction: this.#o.jitterFraction,
      phaseSalt: nodeId,
      limiter,
      kinds: this.#o.kinds,
      probe: (plan, at_ms) =>
        recorder.probe(run.assignment.epoch, plan, at_ms, run.assignment.probe_timeout_ms),
      onSkipped: () => metrics.skipped.inc(),
      now,
    });
    run.scheduler.setTargets(assignment.targets);
    this.#runs.set(assignment.epoch, run);
    log.info(
      {
        epoch: assignment.epoch,
        targets: assignment.targets.length,
        probe_interval_s: assignment.probe_interval_s,
      },
      'probing the epoch’s targets',
    );
  }

  /** Whether `epoch` is being probed (not yet finishing). */
  probing(epoch: number): boolean {
    return this.#runs.get(epoch)?.finishing === null;
  }

  /** New endpoints for an epoch's targets; endpoints can move mid-epoch, the member list cannot. */
  setTargets(epoch: number, targets: ProbeTarget[]): void {
    const run = this.#runs.get(epoch);
    if (run === undefined || run.finishing !== null) return;
    run.assignment = { ...run.assignment, targets };
    run.scheduler.setTargets(targets);
  }

  /** Finishes every epoch that ended by `t`. */
  finishEnded(t: number): void {
    for (const run of this.#runs.values())
      if (t >= run.assignment.end_ms && run.finishing === null) this.#finish(run);
  }

  /** Queues an interim summary of each epoch still probed. */
  queueInterims(): void {
    for (const run of this.#runs.values()) if (run.finishing === null) this.#queueInterim(run.assignment);
  }

  /** How long until the first epoch still probed ends; Infinity when none is. */
  nextEndIn(t: number): number {
    let wait = Number.POSITIVE_INFINITY;
    for (const run of this.#runs.values())
      if (run.finishing === null) wait = Math.min(wait, run.assignment.end_ms - t);
    return wait;
  }

  /** What the log says about epochs from before a restart: probing resumes, ended ones are finished. */
  recover(): void {
    const { db, log, now } = this.#o;
    const t = now();
    for (const assignment of loadAssignments(db)) {
      if (reportRow(db, assignment.epoch) !== null) continue; // built already: the outbox has it
      if (t < assignment.end_ms) {
        log.info({ epoch: assignment.epoch }, 'resuming the epoch’s probes from the log');
        this.start(assignment);
      } else {
        const run: Run = { assignment, scheduler: NOTHING_TO_PROBE, finishing: null };
        this.#runs.set(assignment.epoch, run);
        this.#finish(run);
      }
    }
  }

  /** Stops probing, once the agent is closing; probes in flight are abandoned (their results are not logged). */
  abandon(): void {
    // Not awaited: probes in flight are abandoned, and an epoch being finished stops at
    // its drain (it checks `isClosed`), so nothing touches the log after this returns.
    for (const run of this.#runs.values()) void run.scheduler.drain();
  }

  /** Drains the epoch's probes, sends their tail as an interim summary and stores the report. */
  #finish(run: Run): void {
    const { assignment } = run;
    run.finishing = (async () => {
      await run.scheduler.drain();
      if (this.#o.isClosed()) return;
      this.#o.writer.flush();
      try {
        this.#queueInterim(assignment);
        this.#storeReport(assignment);
      } catch (error) {
        this.#o.log.error(
          { epoch: assignment.epoch, error: (error as Error).message },
          'could not build the epoch report',
        );
      } finally {
        this.#runs.delete(assignment.epoch);
      }
    })();
  }

  #storeReport(assignment: StoredAssignment): void {
    const { db, nodeId, privateKey, log, metrics, outbox, now } = this.#o;
    if (assignment.targets.length === 0) {
      log.info({ epoch: assignment.epoch }, 'this node audited nobody in the epoch; no report');
      deleteAssignment(db, assignment.epoch);
      return;
    }
    const { row, created } = storeEpochReport(db, { assignment, monitor: nodeId, privateKey }, now());
    if (created) log.info({ epoch: assignment.epoch, outbox_id: row.id }, 'epoch report signed and stored');
    if (row.state === 'pending') metrics.setLastReport(assignment.epoch, 'pending');
    outbox.wake();
  }

  #queueInterim(assignment: StoredAssignment): void {
    const { db, nodeId, log, outbox, now } = this.#o;
    const queued = queueInterimSummary(
      db,
      { epoch: assignment.epoch, monitor: nodeId, probe_interval_s: assignment.probe_interval_s },
      now(),
    );
    if (queued !== null) {
      log.debug({ epoch: assignment.epoch, probes: queued.probes }, 'interim summary queued');
      outbox.wake();
    }
  }
}
