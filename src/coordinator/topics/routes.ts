import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import type { z } from 'zod';
import { TOPIC_NAME, topicSchema } from '../../config/topic-schema.ts';
import type { JobQueue } from '../../queue/queue.ts';
import { getTopic, listTopics, saveApiTopic } from '../../store/repositories/topics.ts';
import type { Store } from '../../store/store.ts';
import { Conflict, type DomainError, InvalidInput } from '../errors.ts';
import { Nullable, Problem, problemResponses } from '../http/schemas.ts';
import { unknownTopic } from '../jobs/submit.ts';
import { TopicBody } from './schemas.ts';
import { topicView } from './views.ts';

const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

export const TopicView = Type.Object(
  {
    name: Type.String(),
    description: Nullable(Type.String()),
    adapter: Nullable(Open('The reference adapter; header values are shown as [redacted]')),
    timeout_ms: Type.Integer(),
    max_attempts: Type.Integer(),
    backoff: Type.Object({ kind: Type.String(), initial_ms: Type.Integer(), max_ms: Type.Integer() }),
    deadline_ms: Nullable(Type.Integer()),
    price_per_unit: Type.String(),
    unit: Type.String(),
    min_benchmark_score: Type.Number(),
    benchmark: Nullable(Open('{ payload, runs }')),
    verification: Nullable(Open('{ adapter, sample_rate, max_loss }')),
    source: Type.String({
      description: 'config: declared in the configuration; api: added with POST /topics',
    }),
    created_at_ms: Type.Integer(),
    updated_at_ms: Type.Integer(),
    queue: Type.Object({
      ready: Type.Integer({ description: 'Waiting, now or after a backoff' }),
      ready_now: Type.Integer(),
      leased: Type.Integer(),
      dead: Type.Integer(),
      oldest_ready_age_ms: Type.Integer(),
    }),
  },
  { additionalProperties: true },
);

const TopicParams = Type.Object({ name: Type.String({ pattern: TOPIC_NAME.source }) });

/** Zod's issues as the API's validation problem: a readable detail and every issue listed. */
function invalidTopic(error: z.ZodError): DomainError {
  const errors = error.issues.map((issue) => ({
    location: ['body', ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
      .join('.')
      .replaceAll('.[', '['),
    message: issue.message,
  }));
  return new InvalidInput(
    'invalid-request',
    'Invalid request',
    errors.map((e) => `${e.location}: ${e.message}`).join('; '),
    { extras: { errors } },
  );
}

/** Topics: kinds of work, from the configuration or the API (docs/design/work-contract.md). */
export interface TopicRouteDeps {
  store: Store;
  /** For each topic's queue depth and oldest job. */
  queue: Pick<JobQueue, 'stats'>;
  now: () => number;
}

export function topicRoutes(app: FastifyInstance, { store, queue, now }: TopicRouteDeps): void {
  const queueStats = async () => new Map((await queue.stats(now())).map((s) => [s.topic, s]));

  app.get(
    '/topics',
    {
      config: { access: 'read' },
      schema: {
        tags: ['work'],
        summary: 'Every topic, with its queue',
        response: { 200: Type.Object({ topics: Type.Array(TopicView) }) },
      },
    },
    async () => {
      const [topics, stats] = await Promise.all([listTopics(store.db), queueStats()]);
      return { topics: topics.map((t) => topicView(t, stats.get(t.definition.name))) };
    },
  );

  app.get(
    '/topics/:name',
    {
      config: { access: 'read' },
      schema: {
        tags: ['work'],
        summary: 'One topic, with its queue',
        params: TopicParams,
        response: { 200: TopicView, ...problemResponses },
      },
    },
    async (request) => {
      const { name } = request.params as Static<typeof TopicParams>;
      const topic = await getTopic(store.db, name);
      if (topic === undefined) throw unknownTopic(name, 404);
      return topicView(topic, (await queueStats()).get(name));
    },
  );

  app.post(
    '/topics',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['work'],
        summary: 'Create or replace a topic (not one the configuration declares)',
        description:
          'The body is a topic definition as in the configuration’s `topics` (docs/design/work-contract.md, src/config/topic-schema.ts); ' +
          'omitted fields take their defaults. 201 when new, 200 when it replaced an API topic.',
        body: TopicBody,
        response: { 200: TopicView, 201: TopicView, 409: Problem, ...problemResponses },
      },
    },
    async (request, reply) => {
      const parsed = topicSchema.safeParse(request.body);
      if (!parsed.success) throw invalidTopic(parsed.error);
      const saved = await saveApiTopic(store.db, parsed.data, now());
      if (saved.outcome === 'from-config') {
        throw new Conflict(
          'topic-from-config',
          'Topic from configuration',
          `topic ${parsed.data.name} is declared in the coordinator's configuration; change it there (it is applied at the next start)`,
        );
      }
      reply.status(saved.outcome === 'created' ? 201 : 200);
      if (saved.outcome === 'created')
        reply.header('location', `/topics/${encodeURIComponent(parsed.data.name)}`);
      return topicView(saved.topic, (await queueStats()).get(parsed.data.name));
    },
  );
}
