import type { VigilConfig } from '../../config/schema.ts';
import { computeCapacity } from '../../core/sla/capacity.ts';
import { METRIC_TYPES } from '../../core/sla/rules.ts';
import { toIso } from '../../core/time.ts';
import type { JobQueue } from '../../queue/queue.ts';
import { countOpenViolations, countRecentJobs } from '../../store/repositories/fleet-counts.ts';
import { FINISHED_STATUSES } from '../../store/repositories/jobs.ts';
import { epochReportCount } from '../../store/repositories/monitor-reports.ts';
import { readFleet } from '../../store/repositories/sla-inputs.ts';
import { lastCollectionAt } from '../../store/repositories/sla-results.ts';
import { listTopics } from '../../store/repositories/topics.ts';
import type { Store } from '../../store/store.ts';
import type { EpochService } from '../epochs/service.ts';
import { epochView, findEpoch } from '../epochs/views.ts';
import { NotFound } from '../errors.ts';
import { slaHealth } from '../sla/status.ts';

/** Jobs per minute are taken over this many of the last minutes (decision 0071). */
export const JOBS_WINDOW_MS = 5 * 60_000;

const SEVERITIES = ['critical', 'high'] as const;

export interface FleetSummaryDeps {
  store: Store;
  epochs: EpochService;
  queue: Pick<JobQueue, 'stats'>;
  monitoring: VigilConfig['monitoring'];
  livenessTimeoutS: number;
  now: () => number;
}

/**
 * Everything the dashboard's overview shows, in one read (decision 0071): SLA health and open
 * violations, capacity now, the current and previous epoch, each topic's queue and recent job
 * throughput. `tenant` narrows the job figures to one tenant's jobs (a tenant key's view).
 */
export async function readFleetSummary(deps: FleetSummaryDeps, tenant: string | null) {
  const at = deps.now();
  const { store } = deps;
  return {
    at: toIso(at),
    sla: await slaPart(store, at),
    capacity: computeCapacity(await readFleet(store.db), at - deps.livenessTimeoutS * 1000),
    ...(await epochParts(deps, at)),
    topics: await topicsPart(deps, at),
    jobs: await jobsPart(store, at, tenant),
  };
}

async function slaPart(store: Store, at: number) {
  const open = await countOpenViolations(store.db);
  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const byMetric: Record<string, number> = Object.fromEntries(METRIC_TYPES.map((m) => [m, 0]));
  for (const { severity, metric, n } of open) {
    bySeverity[severity] = (bySeverity[severity] ?? 0) + n;
    byMetric[metric] = (byMetric[metric] ?? 0) + n;
  }
  const last = await lastCollectionAt(store.db);
  return {
    status: slaHealth(bySeverity),
    open_violations: open.reduce((a, r) => a + r.n, 0),
    open_by_severity: bySeverity,
    open_by_metric: byMetric,
    last_collection_at: last === null ? null : toIso(last),
    last_collection_age_s: last === null ? null : Math.max(0, Math.floor((at - last) / 1000)),
  };
}

/** The epoch in progress, and the one before it, whose reports arrive while this one runs. */
async function epochParts(deps: FleetSummaryDeps, at: number) {
  const current = deps.epochs.schedule.epochAt(at);
  const first = deps.epochs.schedule.config.first_epoch ?? 0;
  return {
    epoch: current === null ? null : await epochPart(deps, current, at),
    previous_epoch: current === null || current - 1 < first ? null : await epochPart(deps, current - 1, at),
  };
}

async function epochPart({ store, epochs, monitoring }: FleetSummaryDeps, epoch: number, at: number) {
  let found: Awaited<ReturnType<typeof findEpoch>>;
  try {
    found = await findEpoch(store.db, epochs, epoch, at);
  } catch (error) {
    // Before the first epoch this coordinator recorded: nothing to show for it.
    if (error instanceof NotFound) return null;
    throw error;
  }
  const view = await epochView(store.db, found, monitoring, at);
  // Every member of a drawn epoch audits group_size peers (decision 0012), so each sends a report.
  const expected = view.members === null ? null : (view.group_size ?? 0) > 0 ? view.members : 0;
  return {
    epoch: view.epoch,
    state: view.state,
    starts_at: view.start,
    ends_at: view.end,
    report_window_ends_at: view.report_window_end,
    time_left_s: secondsUntil(view.end_ms, at),
    report_window_left_s: secondsUntil(view.report_window_end_ms, at),
    members: view.members,
    group_size: view.group_size,
    reports_received: found.recorded ? await epochReportCount(store.db, epoch) : 0,
    reports_expected: expected,
  };
}

const secondsUntil = (ms: number, at: number) => Math.max(0, Math.floor((ms - at) / 1000));

/** Each topic's queue, as GET /topics shows it. */
async function topicsPart({ store, queue }: FleetSummaryDeps, at: number) {
  const [topics, stats] = await Promise.all([listTopics(store.db), queue.stats(at)]);
  const byTopic = new Map(stats.map((s) => [s.topic, s]));
  return topics.map(({ definition: { name } }) => {
    const s = byTopic.get(name);
    return {
      name,
      ready: s?.ready ?? 0,
      ready_now: s?.readyNow ?? 0,
      leased: s?.leased ?? 0,
      dead: s?.dead ?? 0,
      oldest_ready_age_ms: s?.oldestReadyAgeMs ?? 0,
    };
  });
}

/** Jobs submitted and finished (by final status) in the last JOBS_WINDOW_MS, and per minute. */
async function jobsPart(store: Store, at: number, tenant: string | null) {
  const counts = await countRecentJobs(store.db, { since: at - JOBS_WINDOW_MS, until: at, tenantId: tenant });
  const finished = Object.fromEntries(FINISHED_STATUSES.map((s) => [s, counts.finished[s] ?? 0]));
  const minutes = JOBS_WINDOW_MS / 60_000;
  const perMinute = (n: number) => n / minutes;
  return {
    window_s: JOBS_WINDOW_MS / 1000,
    tenant_id: tenant,
    submitted: counts.submitted,
    finished,
    per_minute: {
      submitted: perMinute(counts.submitted),
      finished: perMinute(Object.values(finished).reduce((a, b) => a + b, 0)),
      ...Object.fromEntries(Object.entries(finished).map(([s, n]) => [s, perMinute(n)])),
    },
  };
}
