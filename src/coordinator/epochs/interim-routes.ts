import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { toIso } from '../../core/time.ts';
import { recordPeerProbes } from '../../store/repositories/peer-slices.ts';
import type { Store } from '../../store/store.ts';
import { isReady } from '../epochs/assignments.ts';
import { epochNotReady, findEpoch } from '../epochs/views.ts';
import { badRequest, Conflict, NotPermitted } from '../errors.ts';
import { NodeId, Problem, problemResponses } from '../http/schemas.ts';
import type { EpochMetrics } from './metrics.ts';
import { EpochParams } from './routes.ts';
import type { EpochService } from './service.ts';

const Probe = Type.Tuple([Type.Integer({ minimum: 0 }), Type.Union([Type.Literal(0), Type.Literal(1)])], {
  description: '[at_ms, 1 up | 0 down]',
});

const InterimSummary = Type.Object(
  {
    monitor: NodeId,
    probe_interval_s: Type.Integer({ minimum: 1, description: 'How long each verdict stands, in seconds' }),
    targets: Type.Array(
      Type.Object(
        { target: NodeId, probes: Type.Array(Probe, { maxItems: 100_000 }) },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

const InterimReceipt = Type.Object({
  epoch: Type.Integer(),
  monitor: Type.String(),
  probes: Type.Integer({ description: 'Probe verdicts recorded' }),
});

/** Monitors' interim probe verdicts, the peers' evidence of life in uptime_pct. */
export interface InterimDeps {
  store: Store;
  epochs: EpochService;
  metrics: EpochMetrics;
  /** The network's probe interval: a summary may not claim a longer one. */
  probeIntervalS: number;
  /** How far ahead of the coordinator's clock a probe may be stamped (the signature window). */
  clockSkewMs: number;
  sliceMs: number;
  now: () => number;
}

export function interimRoutes(
  app: FastifyInstance,
  { store, epochs, metrics, probeIntervalS, clockSkewMs, sliceMs, now }: InterimDeps,
): void {
  app.post(
    '/epochs/:epoch/interim',
    {
      config: { access: 'node-signed' },
      schema: {
        tags: ['epochs'],
        summary: 'Submit a monitor’s interim probe verdicts (node-signed; resending is harmless)',
        params: EpochParams,
        body: InterimSummary,
        response: { 202: InterimReceipt, 409: Problem, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      const body = request.body as Static<typeof InterimSummary>;
      if (body.monitor !== request.signer) {
        throw new NotPermitted(
          'not-assigned',
          'Not assigned',
          `the request is signed by ${request.signer}, but the summary is ${body.monitor}'s; a monitor sends its own`,
        );
      }
      if (body.probe_interval_s > probeIntervalS) {
        throw badRequest(
          `probe_interval_s ${body.probe_interval_s} is longer than the network's ${probeIntervalS} s (GET /epochs/${epoch} monitoring)`,
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
      const mine = new Set(assignment.targetsOf.get(body.monitor) ?? []);
      const strangers = [...new Set(body.targets.map((x) => x.target).filter((x) => !mine.has(x)))];
      if (strangers.length > 0) {
        throw new NotPermitted(
          'not-assigned',
          'Not assigned',
          `${body.monitor} does not audit ${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ` and ${strangers.length - 5} more` : ''} in epoch ${epoch}`,
          { extras: { targets: strangers } },
        );
      }
      // A verdict counts for the epoch it was measured in, and cannot come from the future.
      const latest = t + clockSkewMs;
      for (const { target, probes } of body.targets) {
        const outside = probes.find(([at]) => at < row.start_ms || at >= row.end_ms || at > latest);
        if (outside !== undefined) {
          throw badRequest(
            `probe of ${target} at ${outside[0]} is outside epoch ${epoch} (${toIso(row.start_ms)} to ${toIso(row.end_ms)}) or in the future`,
          );
        }
      }
      const probes = await recordPeerProbes(store, {
        monitor: body.monitor,
        sliceMs,
        probeIntervalMs: body.probe_interval_s * 1000,
        targets: body.targets as Array<{ target: string; probes: Array<[number, 0 | 1]> }>,
      });
      metrics.interimProbes.inc(probes);
      reply.status(202);
      return { epoch, monitor: body.monitor, probes };
    },
  );
}
