import { toIso } from '../../core/time.ts';
import type { Store } from '../../store/store.ts';
import { badRequest, Conflict, NotPermitted } from '../errors.ts';
import { isReady } from './assignments.ts';
import type { InterimBatcher } from './interim-batcher.ts';
import type { EpochMetrics } from './metrics.ts';
import type { EpochService } from './service.ts';
import { epochNotReady, findEpoch } from './views.ts';

/** Monitors' interim probe verdicts, the peers' evidence of life in uptime_pct. */
export interface InterimDeps {
  store: Store;
  epochs: EpochService;
  metrics: EpochMetrics;
  /** Records summaries in shared transactions (group commit). */
  batcher: InterimBatcher;
  /** The network's probe interval: a summary may not claim a longer one. */
  probeIntervalS: number;
  /** How far ahead of the coordinator's clock a probe may be stamped (the signature window). */
  clockSkewMs: number;
  sliceMs: number;
  now: () => number;
}

/** One monitor's interim summary: `[at_ms, 1 up | 0 down]` per probe of each of its targets. */
export interface ProbeSummary {
  monitor: string;
  probe_interval_s: number;
  targets: Array<{ target: string; probes: Array<[number, 0 | 1]> }>;
}

/** Refuses targets the monitor does not audit in this epoch. */
function checkAssigned(summary: ProbeSummary, mine: ReadonlySet<string>, epoch: number): void {
  const strangers = [...new Set(summary.targets.map((x) => x.target).filter((x) => !mine.has(x)))];
  if (strangers.length > 0) {
    throw new NotPermitted(
      'not-assigned',
      'Not assigned',
      `${summary.monitor} does not audit ${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ` and ${strangers.length - 5} more` : ''} in epoch ${epoch}`,
      { extras: { targets: strangers } },
    );
  }
}

/** A verdict counts for the epoch it was measured in, and cannot come from the future. */
function checkProbeTimes(
  summary: ProbeSummary,
  epoch: { epoch: number; start_ms: number; end_ms: number },
  latest: number,
): void {
  for (const { target, probes } of summary.targets) {
    const outside = probes.find(([at]) => at < epoch.start_ms || at >= epoch.end_ms || at > latest);
    if (outside !== undefined) {
      throw badRequest(
        `probe of ${target} at ${outside[0]} is outside epoch ${epoch.epoch} (${toIso(epoch.start_ms)} to ${toIso(epoch.end_ms)}) or in the future`,
      );
    }
  }
}

/**
 * Records a monitor's interim probe verdicts for an epoch that is not yet closed, for the
 * targets it audits in that epoch; returns the number of verdicts. Resending is harmless.
 */
export async function recordInterim(
  deps: InterimDeps,
  { epoch, signer, summary }: { epoch: number; signer: string | null; summary: ProbeSummary },
): Promise<number> {
  const { store, epochs, now } = deps;
  if (summary.monitor !== signer) {
    throw new NotPermitted(
      'not-assigned',
      'Not assigned',
      `the request is signed by ${signer}, but the summary is ${summary.monitor}'s; a monitor sends its own`,
    );
  }
  if (summary.probe_interval_s > deps.probeIntervalS) {
    throw badRequest(
      `probe_interval_s ${summary.probe_interval_s} is longer than the network's ${deps.probeIntervalS} s (GET /epochs/${epoch} monitoring)`,
    );
  }
  const t = now();
  const { row, recorded } = await findEpoch(store.db, epochs, epoch, t);
  if (t >= row.report_window_end_ms || row.settled_at !== null) {
    throw new Conflict(
      'epoch-closed',
      'Epoch closed',
      `epoch ${epoch} closed at ${toIso(row.report_window_end_ms)}; send summaries for the current epoch`,
    );
  }
  if (!recorded || !isReady(row)) throw epochNotReady(epochs, row, t);
  const { assignment } = await epochs.groupsOf(store.db, row);
  checkAssigned(summary, new Set(assignment.targetsOf.get(summary.monitor) ?? []), epoch);
  checkProbeTimes(summary, row, t + deps.clockSkewMs);
  const probes = await deps.batcher.submit({
    monitor: summary.monitor,
    sliceMs: deps.sliceMs,
    probeIntervalMs: summary.probe_interval_s * 1000,
    targets: summary.targets,
  });
  deps.metrics.interimProbes.inc(probes);
  return probes;
}
