import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DatabaseSync } from 'node:sqlite';
import { CoordinatorError } from '../node-client/errors.ts';
import type { OutboxSender } from '../node-client/outbox/sender.ts';
import type { Logger } from '../platform/log.ts';
import { createWaker } from '../platform/wait.ts';
import type { AgentCalls } from './coordinator-calls.ts';
import type { EpochView } from './coordinator-views.ts';
import type { Limiter } from './limiter.ts';
import {
  deleteAssignment,
  loadAssignments,
  type StoredAssignment,
  saveAssignment,
} from './log/assignments.ts';
import { queueInterimSummary } from './log/interim.ts';
import { reportRow } from './log/outbox.ts';
import type { SampleWriter } from './log/sample-writer.ts';
import type { AgentMetrics } from './metrics.ts';
import type { ReferenceGate } from './probes/reference.ts';
import { probeTarget, type TargetPlan } from './probes/target.ts';
import type { ProbeAgents, ProbeKind } from './probes/types.ts';
import { storeEpochReport } from './report.ts';
import { createProbeScheduler, type ProbeScheduler } from './scheduler.ts';

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
  outbox: OutboxSender;
  jitterFraction: number;
  kinds?: readonly ProbeKind[] | undefined;
  /** Longest wait between two looks at `GET /epochs/current` (shorter when probes are more frequent). */
  pollMs: number;
  now: () => number;
}

interface Run {
  assignment: StoredAssignment;
  scheduler: ProbeScheduler;
  finishing: Promise<void> | null;
}

/**
 * Follows the coordinator's epochs: starts probing an epoch once its seed is known and this
 * node's assignment is fetched, refreshes the assignment and queues interim summaries every
 * interim period, and when an epoch ends drains its probes and stores its one signed report
 * for the outbox. Assignments are kept in the log, so a restart (even with the coordinator
 * down) resumes probing, and reports an epoch that ended while the agent was away.
 */
export function createEpochMonitor(o: EpochMonitorOptions) {
  const { db, calls, nodeId, log, metrics, now } = o;
  const runs = new Map<number, Run>();
  const announcedNotMember = new Set<number>();
  /** Per target, whether the last counted sample was up: transitions are logged, not every probe. */
  const lastUp = new Map<string, boolean>();
  const counted = {
    up: metrics.probes.labels({ result: 'up' }),
    down: metrics.probes.labels({ result: 'down' }),
    discarded: metrics.probes.labels({ result: 'discarded' }),
  };
  const waker = createWaker();
  let view: EpochView | null = null;
  let coordinatorDown = false;
  let lastInterimAt = now();
  /** Due one interim period (the network's, as last read) after the previous round. */
  const nextInterimAt = () =>
    lastInterimAt + (view?.monitoring.interim_period_s ?? FALLBACK_INTERIM_PERIOD_S) * 1000;
  let closed = false;
  let loop: Promise<void> | null = null;

  async function probeOne(run: Run, plan: TargetPlan, at_ms: number): Promise<void> {
    const started = performance.now();
    const result = await probeTarget(plan, run.assignment.probe_timeout_ms, { agents: o.agents });
    const healthy = result.up || (await o.gate.healthy());
    if (closed) return; // the agent is closing: connections were cut under this probe
    metrics.probeDuration.observe((performance.now() - started) / 1000);
    const target = plan.node_id;
    if (!healthy) {
      counted.discarded.inc();
      log.debug({ epoch: run.assignment.epoch, target, reason: result.reason }, 'sample discarded');
      return;
    }
    (result.up ? counted.up : counted.down).inc();
    if (lastUp.get(target) !== result.up) {
      if (result.up) log.info({ target }, 'target up');
      else log.info({ target, reason: result.reason }, 'target down');
      lastUp.set(target, result.up);
    }
    o.writer.add({
      epoch: run.assignment.epoch,
      target,
      at_ms,
      up: result.up,
      latency_ms: result.latency_ms,
    });
  }

  function startRun(assignment: StoredAssignment): void {
    const run: Run = { assignment, scheduler: undefined as unknown as ProbeScheduler, finishing: null };
    run.scheduler = createProbeScheduler({
      span: assignment,
      intervalMs: assignment.probe_interval_s * 1000,
      jitterFraction: o.jitterFraction,
      phaseSalt: nodeId,
      limiter: o.limiter,
      kinds: o.kinds,
      probe: (plan, at_ms) => probeOne(run, plan, at_ms),
      onSkipped: () => metrics.skipped.inc(),
      now,
    });
    run.scheduler.setTargets(assignment.targets);
    runs.set(assignment.epoch, run);
    log.info(
      {
        epoch: assignment.epoch,
        targets: assignment.targets.length,
        probe_interval_s: assignment.probe_interval_s,
      },
      'probing the epoch’s targets',
    );
  }

  function queueInterim(assignment: StoredAssignment): void {
    const queued = queueInterimSummary(
      db,
      { epoch: assignment.epoch, monitor: nodeId, probe_interval_s: assignment.probe_interval_s },
      now(),
    );
    if (queued !== null) {
      log.debug({ epoch: assignment.epoch, probes: queued.probes }, 'interim summary queued');
      o.outbox.wake();
    }
  }

  /** Drains the epoch's probes, sends their tail as an interim summary and stores the report. */
  function finish(run: Run): void {
    const { assignment } = run;
    run.finishing = (async () => {
      await run.scheduler.drain();
      if (closed) return;
      o.writer.flush();
      try {
        queueInterim(assignment);
        if (assignment.targets.length === 0) {
          log.info({ epoch: assignment.epoch }, 'this node audited nobody in the epoch; no report');
          deleteAssignment(db, assignment.epoch);
        } else {
          const { row, created } = storeEpochReport(
            db,
            { assignment, monitor: nodeId, privateKey: o.privateKey },
            now(),
          );
          if (created)
            log.info({ epoch: assignment.epoch, outbox_id: row.id }, 'epoch report signed and stored');
          if (row.state === 'pending') metrics.setLastReport(assignment.epoch, 'pending');
          o.outbox.wake();
        }
      } catch (error) {
        log.error(
          { epoch: assignment.epoch, error: (error as Error).message },
          'could not build the epoch report',
        );
      } finally {
        runs.delete(assignment.epoch);
      }
    })();
  }

  async function fetchAssignment(epoch: EpochView): Promise<StoredAssignment | null> {
    try {
      const answer = await calls.assignment(epoch.epoch, nodeId);
      const assignment: StoredAssignment = {
        epoch: epoch.epoch,
        start_ms: epoch.start_ms,
        end_ms: epoch.end_ms,
        report_window_end_ms: epoch.report_window_end_ms,
        probe_interval_s: epoch.monitoring.probe_interval_s,
        probe_timeout_ms: epoch.monitoring.probe_timeout_ms,
        targets: answer.targets.map(({ node_id, endpoint, agent_url }) => ({ node_id, endpoint, agent_url })),
      };
      saveAssignment(db, assignment, now());
      return assignment;
    } catch (error) {
      if (error instanceof CoordinatorError && error.status === 404) {
        if (!announcedNotMember.has(epoch.epoch)) {
          announcedNotMember.add(epoch.epoch);
          log.warn(
            { epoch: epoch.epoch, node_id: nodeId },
            'this node is not a member of the current epoch (members are fixed when an epoch starts: register before it); waiting for the next epoch',
          );
        }
      } else if (error instanceof CoordinatorError && error.slug === 'epoch-not-ready') {
        log.debug({ epoch: epoch.epoch }, 'the epoch’s groups are not published yet');
      } else {
        log.warn({ epoch: epoch.epoch, error: (error as Error).message }, 'could not fetch the assignment');
      }
      return null;
    }
  }

  /** Endpoints can move mid-epoch; the member list cannot. */
  async function refreshAssignments(): Promise<void> {
    for (const run of runs.values()) {
      if (run.finishing !== null || view === null || run.assignment.epoch !== view.epoch) continue;
      const fresh = await fetchAssignment(view);
      if (fresh === null || closed || run.finishing !== null) continue;
      run.assignment = { ...run.assignment, targets: fresh.targets };
      run.scheduler.setTargets(fresh.targets);
    }
  }

  async function tick(): Promise<void> {
    try {
      view = await calls.currentEpoch();
      if (coordinatorDown) log.info({ epoch: view.epoch }, 'the current epoch is known again');
      coordinatorDown = false;
      metrics.epoch.set(view.epoch);
    } catch (error) {
      if (!coordinatorDown) {
        // 404 is an answer: the network's first epoch has not begun.
        if (error instanceof CoordinatorError && error.status === 404) log.info({}, 'no epoch has begun yet');
        else log.warn({ error: (error as Error).message }, 'cannot read the current epoch');
      }
      coordinatorDown = true;
    }
    const t = now();
    for (const run of runs.values()) if (t >= run.assignment.end_ms && run.finishing === null) finish(run);
    if (closed) return;

    if (view !== null && view.seed !== null && t < view.end_ms && !runs.has(view.epoch)) {
      const known = announcedNotMember.has(view.epoch) || reportRow(db, view.epoch) !== null;
      if (!known) {
        const assignment = await fetchAssignment(view);
        if (assignment !== null && !closed && !runs.has(assignment.epoch)) startRun(assignment);
      }
    }

    if (now() >= nextInterimAt()) {
      lastInterimAt = now();
      for (const run of runs.values()) if (run.finishing === null) queueInterim(run.assignment);
      await refreshAssignments();
    }
  }

  function nextTickIn(): number {
    const t = now();
    let wait = o.pollMs;
    if (view !== null) wait = Math.min(wait, view.monitoring.probe_interval_s * 1000);
    wait = Math.min(wait, nextInterimAt() - t);
    for (const run of runs.values())
      if (run.finishing === null) wait = Math.min(wait, run.assignment.end_ms - t);
    return Math.max(MIN_TICK_MS, wait);
  }

  /** What the log says about epochs from before a restart. */
  function recover(): void {
    const t = now();
    for (const assignment of loadAssignments(db)) {
      const row = reportRow(db, assignment.epoch);
      if (row !== null) continue; // built already: the outbox has it
      if (t < assignment.end_ms) {
        log.info({ epoch: assignment.epoch }, 'resuming the epoch’s probes from the log');
        startRun(assignment);
      } else {
        const run: Run = {
          assignment,
          scheduler: { setTargets() {}, targets: [], drain: async () => {} },
          finishing: null,
        };
        runs.set(assignment.epoch, run);
        finish(run);
      }
    }
  }

  return {
    start(): void {
      recover();
      loop = (async () => {
        while (!closed) {
          try {
            await tick();
          } catch (error) {
            log.error({ error: (error as Error).message }, 'epoch loop failed; trying again');
          }
          if (closed) break;
          await waker.sleep(nextTickIn());
        }
      })();
    },
    /** Epochs being probed now. */
    get epochs(): number[] {
      return [...runs.keys()];
    },
    /** Stops probing; probes in flight are abandoned (their results are not logged). */
    async close(): Promise<void> {
      closed = true;
      waker.wake();
      await loop;
      // Not awaited: probes in flight are abandoned, and an epoch being finished stops at
      // its drain (it checks `closed`), so nothing touches the log after this returns.
      for (const run of runs.values()) void run.scheduler.drain();
    },
  };
}

export type EpochMonitor = ReturnType<typeof createEpochMonitor>;
