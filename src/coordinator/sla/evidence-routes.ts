import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { evidenceStrip } from '../../core/sla/evidence-strip.ts';
import { firstRowStart } from '../../core/sla/slices.ts';
import { toIso } from '../../core/time.ts';
import { getNode } from '../../store/repositories/nodes.ts';
import { readNodeSliceEvidence } from '../../store/repositories/slice-evidence.ts';
import type { Store } from '../../store/store.ts';
import { NotFound } from '../errors.ts';
import { NodeId, Problem } from '../http/schemas.ts';

/** Most slices one answer holds: a week of the default 5-minute slices, twice over. */
export const MAX_EVIDENCE_SLICES = 4_096;

const Params = Type.Object({ node_id: NodeId }, { additionalProperties: false });
const Query = Type.Object(
  { hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 7, default: 24 })) },
  { additionalProperties: false },
);

const EvidenceView = Type.Object({
  node_id: Type.String(),
  from: Type.String({ format: 'date-time', description: 'start of the first slice' }),
  slice_s: Type.Number({ description: 'length of one slice (sla.slice_s)' }),
  slices: Type.Integer({ minimum: 0 }),
  heartbeats: Type.String({ description: 'one character per slice: 1 a heartbeat arrived, 0 none' }),
  peers: Type.String({
    description:
      'one character per slice: u every monitor that voted saw it up, d all saw it down, m they disagreed, . no vote',
  }),
});

/**
 * `GET /sla/evidence/{node_id}`: the evidence behind a node's uptime, slice by slice (a
 * node page's uptime strip). The last `hours`, cut to the newest MAX_EVIDENCE_SLICES slices
 * where slices are short.
 */
export function evidenceRoutes(
  app: FastifyInstance,
  { store, sliceMs, now }: { store: Store; sliceMs: number; now: () => number },
): void {
  app.get(
    '/sla/evidence/:node_id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['sla'],
        summary: 'A node’s uptime evidence slice by slice: its heartbeats and its monitors’ verdicts',
        params: Params,
        querystring: Query,
        response: { 200: EvidenceView, 404: Problem },
      },
    },
    async (request) => {
      const { node_id } = request.params as Static<typeof Params>;
      const hours = (request.query as Static<typeof Query>).hours ?? 24;
      if ((await getNode(store.db, node_id)) === undefined) {
        throw new NotFound('not-found', 'Not found', `there is no node ${node_id}`);
      }
      const to = now();
      const from = Math.max(to - hours * 3_600_000, to - MAX_EVIDENCE_SLICES * sliceMs);
      const rows = await readNodeSliceEvidence(store.db, node_id, sliceMs, firstRowStart(from, sliceMs), to);
      const strip = evidenceStrip({ ...rows, sliceMs, from, to });
      return {
        node_id,
        from: toIso(strip.from),
        slice_s: sliceMs / 1000,
        slices: strip.heartbeats.length,
        heartbeats: strip.heartbeats,
        peers: strip.peers,
      };
    },
  );
}
