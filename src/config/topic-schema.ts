import { z } from 'zod';
import {
  type AdapterSpec,
  type BackoffSpec,
  type CommandAdapterSpec,
  type HttpAdapterSpec,
  type ModuleAdapterSpec,
  TOPIC_NAME,
  type TopicDefinition,
} from '../core/work/topic.ts';
import type { SameType } from './same-type.ts';

// Reads what core/work/topic.ts defines a topic to be. The same schema reads topics from the
// configuration file, from `POST /topics` and (adapters and backoff) from a worker's own
// configuration, so the three never disagree about what a topic is; each schema is checked
// against core's type, so the two cannot drift apart.

const positiveInt = z.int().positive();
const httpUrl = z.url({ protocol: /^https?$/ });

/** POSTs the payload as JSON; the JSON response body is the result. */
export const httpAdapterSchema = z.strictObject({
  kind: z.literal('http'),
  url: httpUrl,
  headers: z.record(z.string(), z.string()).default(() => ({})),
}) satisfies z.ZodType<HttpAdapterSpec>;

/** Spawns a process: the payload as JSON on stdin, the result as JSON on stdout. */
export const commandAdapterSchema = z.strictObject({
  kind: z.literal('command'),
  command: z.string().min(1),
  args: z.array(z.string()).default(() => []),
  env: z.record(z.string(), z.string()).default(() => ({})),
  cwd: z.string().min(1).nullable().default(null),
}) satisfies z.ZodType<CommandAdapterSpec>;

/** Imports an ES module and calls one of its exports with the payload. */
export const moduleAdapterSchema = z.strictObject({
  kind: z.literal('module'),
  path: z.string().min(1),
  export: z.string().min(1).default('default'),
}) satisfies z.ZodType<ModuleAdapterSpec>;

export const adapterSchema = z.discriminatedUnion('kind', [
  httpAdapterSchema,
  commandAdapterSchema,
  moduleAdapterSchema,
]) satisfies z.ZodType<AdapterSpec>;

export const backoffSchema = z
  .strictObject({
    kind: z
      .enum(['uniform', 'exponential'])
      .default('exponential')
      .describe('uniform waits initial_ms every time; exponential doubles it per attempt, with full jitter.'),
    initial_ms: positiveInt.default(1000),
    max_ms: positiveInt.default(60_000),
  })
  .refine((b) => b.max_ms >= b.initial_ms, {
    message: 'expected max_ms at least initial_ms',
    path: ['max_ms'],
  }) satisfies z.ZodType<BackoffSpec>;

export const topicSchema = z.strictObject({
  name: z.string().regex(TOPIC_NAME, 'expected a topic name: lowercase letters, digits, . _ -, at most 64'),
  description: z.string().max(500).nullable().default(null),
  /** The reference adapter; a worker's own configuration may name another for its node. */
  adapter: adapterSchema.nullable().default(null),
  /** One attempt's limit: the worker kills the adapter after it. */
  timeout_ms: positiveInt.max(86_400_000).default(30_000),
  max_attempts: positiveInt.max(100).default(3),
  backoff: backoffSchema.prefault({}),
  /** From submission; a job not finished by then is dead-lettered. Null: no deadline. */
  deadline_ms: positiveInt.nullable().default(null),
  /** Decimal string in the currency's major unit, never a float (billing). */
  price_per_unit: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,9})?$/, 'expected a decimal string such as "0.0025"')
    .default('0'),
  unit: z.enum(['job', 'second']).default('job'),
  min_benchmark_score: z.number().min(0).default(0),
  /** What the worker runs before taking work; score = successful runs per second. */
  benchmark: z
    .strictObject({ payload: z.json(), runs: positiveInt.max(1000).default(5) })
    .nullable()
    .default(null),
  verification: z
    .strictObject({
      adapter: adapterSchema,
      /** Share of successful jobs sampled for verification. */
      sample_rate: z.number().min(0).max(1).default(0.1),
      /** With a loss-returning adapter: a loss above this fails. Null: the adapter says pass. */
      max_loss: z.number().min(0).nullable().default(null),
    })
    .nullable()
    .default(null),
});

export type TopicInput = z.input<typeof topicSchema>;

// Compile-time checks: each schema reads exactly core's type, no field more or less.
true satisfies SameType<z.output<typeof adapterSchema>, AdapterSpec>;
true satisfies SameType<z.output<typeof backoffSchema>, BackoffSpec>;
true satisfies SameType<z.output<typeof topicSchema>, TopicDefinition>;

export type { AdapterSpec, BackoffSpec, TopicDefinition };
export { TOPIC_NAME };
