import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
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
  storeReport,
} from '../../store/repositories/monitor-reports.ts';
import type { Store } from '../../store/store.ts';
import { isReady } from '../epochs/assignments.ts';
import type { EpochService } from '../epochs/service.ts';
import { epochNotReady, findEpoch } from '../epochs/views.ts';
import { Conflict, DomainError, InvalidInput, NotPermitted } from '../errors.ts';
import { Problem, problemResponses } from '../http/schemas.ts';
import type { EpochMetrics } from './metrics.ts';
import { EpochParams } from './routes.ts';

const Receipt = Type.Object({
  epoch: Type.Integer(),
  monitor: Type.String(),
  digest: Type.String({ description: 'reportDigest: SHA-256 of the signed report’s canonical JSON' }),
  received_at: Type.String({ format: 'date-time' }),
  received_at_ms: Type.Integer(),
});

const ReportList = Type.Object({
  epoch: Type.Integer(),
  reports: Type.Array(Type.Unknown({ description: 'A SignedReport exactly as its monitor sent it' })),
});

function receipt(row: MonitorReportRow) {
  return {
    epoch: row.epoch,
    monitor: row.monitor,
    digest: row.digest,
    received_at: toIso(row.received_at),
    received_at_ms: row.received_at,
  };
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

export interface ReportRouteDeps {
  store: Store;
  epochs: EpochService;
  metrics: EpochMetrics;
  now: () => number;
}

/** Monitors' signed epoch reports: submitted node-signed in the report window, read by anyone. */
export function reportRoutes(app: FastifyInstance, { store, epochs, metrics, now }: ReportRouteDeps): void {
  async function accept(epoch: number, signer: string, body: unknown, raw: string) {
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

  app.post(
    '/epochs/:epoch/reports',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['epochs'],
        summary: 'Submit a monitor’s signed report for an epoch (node-signed; idempotent)',
        params: EpochParams,
        response: { 200: Receipt, 201: Receipt, 409: Problem, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      let result: Awaited<ReturnType<typeof accept>>;
      try {
        const raw = request.rawBody?.toString('utf8') ?? '';
        result = await accept(epoch, request.signer as string, request.body, raw);
      } catch (error) {
        if (error instanceof DomainError) metrics.epochReports.inc({ result: 'refused' });
        throw error;
      }
      if (result.outcome === 'conflict') {
        metrics.epochReports.inc({ result: 'conflict' });
        throw new Conflict(
          'report-conflict',
          'Report conflict',
          `${result.row.monitor} already submitted a different report for epoch ${epoch} (digest ${result.row.digest}); one report per monitor and epoch`,
          { extras: { digest: result.row.digest } },
        );
      }
      if (result.outcome === 'stored') {
        metrics.epochReports.inc({ result: 'accepted' });
        metrics.epochReportsAccepted.inc({ epoch: String(epoch) });
      } else {
        metrics.epochReports.inc({ result: 'duplicate' });
      }
      reply.status(result.outcome === 'stored' ? 201 : 200);
      return receipt(result.row);
    },
  );

  app.get(
    '/epochs/:epoch/reports',
    {
      config: { access: 'public' },
      schema: {
        tags: ['epochs'],
        summary: 'Every accepted signed report of an epoch, as sent, sorted by monitor',
        params: EpochParams,
        response: { 200: ReportList, 404: Problem },
      },
    },
    async (request) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      await findEpoch(store.db, epochs, epoch, now());
      const rows = await epochReports(store.db, epoch);
      return { epoch, reports: rows.map((r) => JSON.parse(r.body) as unknown) };
    },
  );
}
