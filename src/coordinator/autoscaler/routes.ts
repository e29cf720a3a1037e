import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { AutoscalerConfig, ScaledTargetConfig } from '../../config/autoscaler-schema.ts';
import { effectiveBounds } from '../../core/scaling/bounds.ts';
import { parseTimestamp } from '../../core/time.ts';
import {
  ensureTargetRow,
  getTargetRow,
  listDecisions,
  patchTargetRow,
} from '../../store/repositories/autoscaler.ts';
import type { Store } from '../../store/store.ts';
import { badRequest, Conflict, NotFound } from '../errors.ts';
import { Limit, Nullable, Problem, problemResponses, Timestamp } from '../http/schemas.ts';
import { decisionView, targetView } from './views.ts';

const Open = (description: string) => Type.Unknown({ description });

const DecisionView = Type.Object({
  id: Type.String(),
  target: Type.String(),
  at: Type.String({ format: 'date-time' }),
  at_ms: Type.Integer(),
  tick: Type.String({ description: 'What made the tick: interval, queue or block' }),
  reason: Type.String({ description: 'scale_up, scale_down, hold, paused, no_data… (docs/autoscaler.md)' }),
  actual: Type.Integer({ description: 'Replicas the deployer reported' }),
  previous_desired: Nullable(Type.Integer()),
  desired: Type.Integer(),
  inputs: Open('The readings the policies saw, by name: { value, at_ms }'),
  proposals: Open('Each policy’s proposal (null: it proposed nothing) and why'),
  action: Open('What the deployer did (started, stopping, detail), or null'),
});

const TargetView = Type.Object({
  name: Type.String(),
  topic: Nullable(Type.String()),
  paused: Type.Boolean(),
  min_replicas: Type.Integer(),
  max_replicas: Type.Integer(),
  changed_by_operator: Type.Array(Type.String(), {
    description:
      'Which of paused, min_replicas and max_replicas an operator set; the rest are the configuration’s',
  }),
  desired: Nullable(Type.Integer({ description: 'The count the last tick decided' })),
  actual: Nullable(Type.Integer({ description: 'Replicas the deployer reported at the last tick' })),
  deployer: Type.String(),
  policies: Type.Array(Type.String()),
  sources: Type.Array(Type.Object({ name: Type.String(), kind: Type.String() })),
  last_scaled_at_ms: Nullable(Type.Integer()),
  last_decision: Nullable(DecisionView),
});

const TargetParams = Type.Object({ name: Type.String({ maxLength: 63 }) });

const TargetPatch = Type.Object(
  {
    paused: Type.Optional(
      Nullable(Type.Boolean({ description: 'true pauses, false resumes; null: as configured' })),
    ),
    min_replicas: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000 }))),
    max_replicas: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000 }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

const DecisionsQuery = Type.Object(
  {
    target: Type.Optional(Type.String({ maxLength: 63 })),
    since: Type.Optional(Timestamp),
    limit: Type.Optional(Limit(1_000, 100)),
    before: Type.Optional(Type.String({ maxLength: 64, description: 'The id of the last decision seen' })),
  },
  { additionalProperties: false },
);

export interface AutoscalerRouteDeps {
  store: Store;
  config: AutoscalerConfig;
  now: () => number;
}

const unknownTarget = (name: string, known: readonly ScaledTargetConfig[]) =>
  new NotFound(
    'unknown-target',
    'Unknown scaled target',
    `no scaled target ${name} (configured: ${known.map((t) => t.name).join(', ') || 'none'})`,
  );

/**
 * The autoscaler's targets and decisions (docs/autoscaler.md). Targets come from the
 * configuration; an operator can pause, resume and move their bounds here, and the acting
 * autoscaler picks that up at its next tick.
 */
export function autoscalerRoutes(app: FastifyInstance, { store, config, now }: AutoscalerRouteDeps): void {
  const byName = new Map(config.targets.map((t) => [t.name, t]));
  const configured = (name: string) => {
    const target = byName.get(name);
    if (target === undefined) throw unknownTarget(name, config.targets);
    return target;
  };
  const lastDecision = async (name: string) => (await listDecisions(store.db, { target: name, limit: 1 }))[0];

  app.get(
    '/autoscaler/targets',
    {
      config: { access: 'read' },
      schema: {
        tags: ['autoscaler'],
        summary: 'Every scaled target: bounds, paused, desired and actual replicas, the last decision',
        response: { 200: Type.Object({ targets: Type.Array(TargetView) }) },
      },
    },
    async () => ({
      targets: await Promise.all(
        config.targets.map(async (t) =>
          targetView(t, await getTargetRow(store.db, t.name), await lastDecision(t.name)),
        ),
      ),
    }),
  );

  app.get(
    '/autoscaler/targets/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['autoscaler'],
        summary: 'One scaled target',
        params: TargetParams,
        response: { 200: TargetView, ...problemResponses },
      },
    },
    async (request) => {
      const { name } = request.params as Static<typeof TargetParams>;
      const target = configured(name);
      return targetView(target, await getTargetRow(store.db, name), await lastDecision(name));
    },
  );

  app.patch(
    '/autoscaler/targets/:name',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['autoscaler'],
        summary: 'Pause or resume a scaled target, or move its bounds (null: back to the configuration’s)',
        params: TargetParams,
        body: TargetPatch,
        response: { 200: TargetView, 409: Problem, ...problemResponses },
      },
    },
    async (request) => {
      const { name } = request.params as Static<typeof TargetParams>;
      const patch = request.body as Static<typeof TargetPatch>;
      const target = configured(name);
      const at = now();
      await store.transaction(async (trx) => {
        const row = await ensureTargetRow(trx, name, at);
        const next = effectiveBounds(target, {
          ...row,
          ...(patch.paused === undefined
            ? {}
            : { paused: patch.paused === null ? null : patch.paused ? 1 : 0 }),
          ...(patch.min_replicas === undefined ? {} : { min_replicas: patch.min_replicas }),
          ...(patch.max_replicas === undefined ? {} : { max_replicas: patch.max_replicas }),
        });
        if (next.min_replicas > next.max_replicas) {
          throw new Conflict(
            'invalid-bounds',
            'Bounds out of order',
            `min_replicas ${next.min_replicas} would be above max_replicas ${next.max_replicas}`,
            { extras: { min_replicas: next.min_replicas, max_replicas: next.max_replicas } },
          );
        }
        await patchTargetRow(trx, name, patch, at);
      });
      return targetView(target, await getTargetRow(store.db, name), await lastDecision(name));
    },
  );

  app.get(
    '/autoscaler/decisions',
    {
      config: { access: 'read' },
      schema: {
        tags: ['autoscaler'],
        summary: 'Decisions newest first, of one target and since an instant; `before` pages on',
        querystring: DecisionsQuery,
        response: { 200: Type.Object({ decisions: Type.Array(DecisionView) }), ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query as Static<typeof DecisionsQuery>;
      // A standalone autoscaler (`vigil autoscaler`) may act on targets this coordinator's
      // configuration does not name; it keeps a row for each in the store, and its decisions
      // are as readable as the coordinator's own.
      if (
        q.target !== undefined &&
        !byName.has(q.target) &&
        (await getTargetRow(store.db, q.target)) === undefined
      )
        throw unknownTarget(q.target, config.targets);
      const since = q.since === undefined ? undefined : parseTimestamp(q.since);
      if (since === null)
        throw badRequest(`since "${String(q.since)}" is not an RFC 3339 time or epoch milliseconds`);
      const rows = await listDecisions(store.db, {
        limit: q.limit ?? 100,
        ...(q.target === undefined ? {} : { target: q.target }),
        ...(since === undefined ? {} : { since }),
        ...(q.before === undefined ? {} : { before: q.before }),
      });
      return { decisions: rows.map(decisionView) };
    },
  );
}
