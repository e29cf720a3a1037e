import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import type { MonitorReportRow } from '../../store/repositories/monitor-reports.ts';
import { Problem, problemResponses } from '../http/schemas.ts';
import { type ReportDeps, reportsOf, submitReport } from './reports.ts';
import { EpochParams } from './routes.ts';
import { SignedReportBody } from './schemas.ts';

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

/** Monitors' signed epoch reports: submitted node-signed in the report window, read by anyone. */
export function reportRoutes(app: FastifyInstance, deps: ReportDeps): void {
  submitReportRoute(app, deps);
  listReportsRoute(app, deps);
}

function submitReportRoute(app: FastifyInstance, deps: ReportDeps): void {
  app.post(
    '/epochs/:epoch/reports',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['epochs'],
        summary: 'Submit a monitor’s signed report for an epoch (node-signed; idempotent)',
        params: EpochParams,
        body: SignedReportBody,
        response: { 200: Receipt, 201: Receipt, 409: Problem, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      const { stored, row } = await submitReport(deps, {
        epoch,
        signer: request.signer as string,
        body: request.body,
        raw: request.rawBody?.toString('utf8') ?? '',
      });
      reply.status(stored ? 201 : 200);
      return receipt(row);
    },
  );
}

function listReportsRoute(app: FastifyInstance, deps: Pick<ReportDeps, 'store' | 'epochs' | 'now'>): void {
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
      return { epoch, reports: await reportsOf(deps, epoch) };
    },
  );
}
