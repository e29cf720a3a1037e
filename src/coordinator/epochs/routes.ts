import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { VigilConfig } from '../../config/schema.ts';
import { recordedRange } from '../../store/repositories/epochs.ts';
import type { Store } from '../../store/store.ts';
import { NodeId, Problem, problemResponses } from '../http/schemas.ts';
import { nodeEpochsRoute } from './node-epochs-routes.ts';
import { readAssignments, readSettlement } from './reads.ts';
import type { EpochService } from './service.ts';
import { currentEpoch, epochView, findEpoch } from './views.ts';

const Hash = Type.Union([Type.String({ pattern: '^[0-9a-f]{64}$' }), Type.Null()]);
const Count = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);

export const EpochParams = Type.Object({
  epoch: Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Epoch number' }),
});

const EpochView = Type.Object({
  epoch: Type.Integer(),
  start: Type.String({ format: 'date-time' }),
  start_ms: Type.Integer(),
  end: Type.String({ format: 'date-time' }),
  end_ms: Type.Integer(),
  report_window_end: Type.String({ format: 'date-time' }),
  report_window_end_ms: Type.Integer(),
  state: Type.Union(['open', 'reporting', 'settling', 'settled'].map((s) => Type.Literal(s))),
  seed: Hash,
  previous_settlement_hash: Hash,
  members: Count,
  group_size: Count,
  settlement_hash: Hash,
  monitoring: Type.Object({
    probe_interval_s: Type.Integer(),
    probe_timeout_ms: Type.Integer(),
    interim_period_s: Type.Integer(),
  }),
});

/** The epoch in progress, and how far back this coordinator's epochs go. */
const CurrentEpochView = Type.Object({
  ...EpochView.properties,
  first_recorded: Type.Union([Type.Integer(), Type.Null()], {
    description:
      'The first epoch this coordinator recorded: earlier ones are 404. Null before it records one.',
  }),
});

const Member = Type.Object({
  node_id: Type.String(),
  public_key: Type.String(),
  endpoint: Type.Union([Type.String(), Type.Null()]),
  agent_url: Type.Union([Type.String(), Type.Null()]),
});

const AssignmentQuery = Type.Object(
  { monitor: Type.Optional(NodeId), target: Type.Optional(NodeId) },
  { additionalProperties: false },
);

const AssignmentView = Type.Object({
  epoch: Type.Integer(),
  seed: Type.String(),
  group_size: Type.Integer(),
  members: Type.Optional(Type.Array(Member)),
  groups: Type.Optional(
    Type.Array(Type.Object({ target: Type.String(), monitors: Type.Array(Type.String()) })),
  ),
  monitor: Type.Optional(Type.String()),
  targets: Type.Optional(Type.Array(Member)),
  target: Type.Optional(Type.String()),
  monitors: Type.Optional(Type.Array(Member)),
});

const SettlementView = Type.Object({
  settlement: Type.Unknown({ description: 'The settlement document (src/core/settlement/types.ts)' }),
  signature: Type.String({ description: 'base64url ed25519 signature over its canonical JSON' }),
  hash: Type.String({ description: 'settlementHash(settlement): the next epoch’s previous_settlement_hash' }),
});

/** Epochs, their monitoring groups and their settlements: public reads anyone can verify. */
export interface EpochRouteDeps {
  store: Store;
  epochs: EpochService;
  monitoring: VigilConfig['monitoring'];
  now: () => number;
}

export function epochRoutes(app: FastifyInstance, deps: EpochRouteDeps): void {
  currentEpochRoute(app, deps);
  epochRoute(app, deps);
  assignmentsRoute(app, deps);
  settlementRoute(app, deps);
  nodeEpochsRoute(app, deps);
}

function currentEpochRoute(app: FastifyInstance, { store, epochs, monitoring, now }: EpochRouteDeps): void {
  let firstRecorded: number | null = null;
  app.get(
    '/epochs/current',
    {
      config: { access: 'public' },
      schema: {
        tags: ['epochs'],
        summary: 'The epoch in progress, and the first this coordinator recorded',
        response: { 200: CurrentEpochView, 404: Problem },
      },
    },
    async () => {
      const t = now();
      const found = await findEpoch(store.db, epochs, currentEpoch(epochs, t), t);
      // Agents poll this route. Epochs are never pruned, so the first recorded stays the first:
      // it is read until it exists, then never again.
      firstRecorded ??= (await recordedRange(store.db))?.first ?? null;
      return { ...(await epochView(store.db, found, monitoring, t)), first_recorded: firstRecorded };
    },
  );
}

function epochRoute(app: FastifyInstance, { store, epochs, monitoring, now }: EpochRouteDeps): void {
  app.get(
    '/epochs/:epoch',
    {
      config: { access: 'public' },
      schema: {
        tags: ['epochs'],
        summary: 'One epoch: its span, state, seed, members and settlement hash',
        params: EpochParams,
        response: { 200: EpochView, 404: Problem },
      },
    },
    async (request) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      const t = now();
      return epochView(store.db, await findEpoch(store.db, epochs, epoch, t), monitoring, t);
    },
  );
}

function assignmentsRoute(app: FastifyInstance, { store, epochs, now }: EpochRouteDeps): void {
  app.get(
    '/epochs/:epoch/assignments',
    {
      config: { access: 'public' },
      schema: {
        tags: ['epochs'],
        summary:
          'An epoch’s monitoring groups: all, or what one node audits (monitor) or who audits it (target)',
        params: EpochParams,
        querystring: AssignmentQuery,
        response: { 200: AssignmentView, 409: Problem, ...problemResponses },
      },
    },
    async (request) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      const query = request.query as Static<typeof AssignmentQuery>;
      return readAssignments(store.db, epochs, { epoch, ...query }, now());
    },
  );
}

function settlementRoute(app: FastifyInstance, { store, epochs, now }: EpochRouteDeps): void {
  app.get(
    '/epochs/:epoch/settlement',
    {
      config: { access: 'public' },
      schema: {
        tags: ['epochs'],
        summary: 'An epoch’s signed settlement, with its hash',
        params: EpochParams,
        response: { 200: SettlementView, 409: Problem, 404: Problem },
      },
    },
    async (request) => {
      const { epoch } = request.params as Static<typeof EpochParams>;
      const stored = await readSettlement(store.db, epochs, epoch, now());
      return {
        settlement: JSON.parse(stored.document) as unknown,
        signature: stored.signature,
        hash: stored.hash,
      };
    },
  );
}
