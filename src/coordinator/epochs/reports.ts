import {
  reportDigest,
  type SignedReport,
  signedReportIssues,
  verifySignedReport,
} from '../../core/reports/index.ts';
import { toIso } from '../../core/time.ts';
import { type EpochRow, getEpoch } from '../../store/repositories/epochs.ts';
import {
  epochReports,
  type MonitorReportRow,
  type StoreReportResult,
  storeReport,
} from '../../store/repositories/monitor-reports.ts';
import type { Store } from '../../store/store.ts';
import { Conflict, DomainError, InvalidInput, NotPermitted } from '../errors.ts';
import { isReady } from './assignments.ts';
import type { EpochMetrics } from './metrics.ts';
import type { EpochService } from './service.ts';
import { epochNotReady, findEpoch } from './views.ts';

/** What taking and reading monitors' epoch reports uses. */
export interface ReportDeps {
  store: Store;
  epochs: EpochService;
  metrics: EpochMetrics;
  now: () => number;
}

/** A report as it arrived: the node that signed the request, the parsed body and its exact text. */
export interface ReportSubmission {
  epoch: number;
  signer: string;
  body: unknown;
  raw: string;
}

/** 409 unless epoch n's report window is open now and it is not settled. */
function checkWindow(row: EpochRow, t: number): void {
  if (t < row.end_ms) {
    throw new Conflict(
      'report-window-not-open',
      'Report window not open',
      `epoch ${row.epoch}'s reports are accepted from its end, ${toIso(row.end_ms)}`,
    );
  }
  if (t >= row.report_window_end_ms || row.settled_at !== null) {
    throw new Conflict(
      'report-window-closed',
      'Report window closed',
      `epoch ${row.epoch}'s report window closed at ${toIso(row.report_window_end_ms)}`,
    );
  }
}

/** The epoch a report is sent for, recorded; the window check covers a future or unrecorded current one. */
async function reportableEpoch(store: Store, epochs: EpochService, epoch: number, t: number) {
  const current = epochs.schedule.epochAt(t);
  if (current === null || epoch > current) {
    throw new Conflict(
      'report-window-not-open',
      'Report window not open',
      `epoch ${epoch} has not started yet; its reports are accepted once it has ended`,
    );
  }
  const { row, recorded } = await findEpoch(store.db, epochs, epoch, t);
  checkWindow(row, t);
  if (!recorded || !isReady(row)) throw epochNotReady(epochs, row, t);
  return row;
}

/** The report itself, before any epoch is looked at: well formed, the signer's own, for this epoch. */
function checkReport({ epoch, signer, body }: ReportSubmission): SignedReport {
  const issues = signedReportIssues(body);
  if (issues.length > 0) {
    throw new InvalidInput(
      'malformed-report',
      'Malformed report',
      `the report is not well formed: ${issues.slice(0, 3).join('; ')}${issues.length > 3 ? `; and ${issues.length - 3} more` : ''}`,
      { extras: { problems: issues } },
    );
  }
  const signed = body as SignedReport;
  const { monitor } = signed.report;
  if (monitor !== signer) {
    throw new NotPermitted(
      'not-assigned',
      'Not assigned',
      `the request is signed by ${signer}, but the report is ${monitor}'s; a monitor submits its own report`,
    );
  }
  if (signed.report.epoch !== epoch) {
    throw new InvalidInput(
      'wrong-epoch',
      'Wrong epoch',
      `the report is for epoch ${signed.report.epoch}; send it to /epochs/${signed.report.epoch}/reports`,
    );
  }
  return signed;
}

/**
 * Stores a monitor's report if its window is open, the monitor audits someone in the epoch and
 * the report's signature verifies with the key the monitor had when the epoch started.
 */
async function acceptReport(
  { store, epochs, now }: ReportDeps,
  submission: ReportSubmission,
): Promise<StoreReportResult> {
  const signed = checkReport(submission);
  const { epoch, raw } = submission;
  const { monitor } = signed.report;
  const row = await reportableEpoch(store, epochs, epoch, now());
  const { members, assignment } = await epochs.groupsOf(store.db, row);
  if ((assignment.targetsOf.get(monitor)?.length ?? 0) === 0) {
    throw new NotPermitted(
      'not-assigned',
      'Not assigned',
      `${monitor} audits nobody in epoch ${epoch}${members.some((m) => m.node_id === monitor) ? '' : ' (it is not a member)'}`,
    );
  }
  const key = members.find((m) => m.node_id === monitor)?.public_key as string;
  if (!verifySignedReport(signed, key)) {
    throw new InvalidInput(
      'bad-report-signature',
      'Bad report signature',
      `the report's signature does not verify with the key ${monitor} had when epoch ${epoch} started`,
    );
  }
  // Under the epochs lock, so the report is either in the settlement or refused as late.
  return store.exclusive('epochs', async (trx) => {
    const t = now();
    const locked = await getEpoch(trx, epoch);
    if (locked === undefined) throw epochNotReady(epochs, row, t);
    checkWindow(locked, t);
    return storeReport(trx, { epoch, monitor, digest: reportDigest(signed), body: raw, received_at: t });
  });
}

/**
 * Takes a monitor's signed report for an epoch, idempotently: `stored` is true the first
 * time and false when the same report was already stored; a different one is a
 * `report-conflict`. Counts every submission by its result.
 */
export async function submitReport(
  deps: ReportDeps,
  submission: ReportSubmission,
): Promise<{ stored: boolean; row: MonitorReportRow }> {
  const { metrics } = deps;
  let result: StoreReportResult;
  try {
    result = await acceptReport(deps, submission);
  } catch (error) {
    if (error instanceof DomainError) metrics.epochReports.inc({ result: 'refused' });
    throw error;
  }
  if (result.outcome === 'conflict') {
    metrics.epochReports.inc({ result: 'conflict' });
    throw new Conflict(
      'report-conflict',
      'Report conflict',
      `${result.row.monitor} already submitted a different report for epoch ${submission.epoch} (digest ${result.row.digest}); one report per monitor and epoch`,
      { extras: { digest: result.row.digest } },
    );
  }
  if (result.outcome === 'stored') {
    metrics.epochReports.inc({ result: 'accepted' });
    metrics.epochReportsAccepted.inc({ epoch: String(submission.epoch) });
  } else {
    metrics.epochReports.inc({ result: 'duplicate' });
  }
  return { stored: result.outcome === 'stored', row: result.row };
}

/** Every accepted report of an epoch this coordinator knows, as its monitor sent it, sorted by monitor. */
export async function reportsOf(
  { store, epochs, now }: Pick<ReportDeps, 'store' | 'epochs' | 'now'>,
  epoch: number,
): Promise<unknown[]> {
  await findEpoch(store.db, epochs, epoch, now());
  const rows = await epochReports(store.db, epoch);
  return rows.map((r) => JSON.parse(r.body) as unknown);
}
