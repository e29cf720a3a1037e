import { z } from 'zod';
import { topicSchema } from '../../config/topic-schema.ts';

/**
 * POST /topics's body as JSON Schema, generated from the configuration's own topic schema so
 * the two cannot drift: closed objects, every field's type and bounds, defaults shown. Fastify
 * validates a body against it first (an unknown field is a 400 naming it); zod then applies
 * the checks JSON Schema cannot say (backoff's max ≥ initial, …) in the route.
 */
export const TopicBody = toBodySchema(
  z.toJSONSchema(topicSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >,
);

/**
 * The generated schema made self-contained: a benchmark payload is any JSON value, which zod
 * describes recursively through `definitions`; here it is `{}` (anything), as JSON bodies are.
 */
function toBodySchema(generated: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _, definitions: __, ...schema } = generated;
  const inline = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(inline);
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (typeof record['$ref'] === 'string') return { description: 'any JSON value' };
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, inline(v)]));
  };
  return {
    ...(inline(schema) as Record<string, unknown>),
    description: 'A topic definition, as in the configuration’s `topics`',
  };
}
