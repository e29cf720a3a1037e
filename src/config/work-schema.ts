import { z } from 'zod';
import { topicSchema } from './topic-schema.ts';

// Work distribution (issue 4): which queue dispatches jobs, how long leases last, the limits
// on what tenants submit, and topics declared in configuration (more come through the API).

const positiveInt = z.int().positive();

export const queueSchema = z.strictObject({
  backend: z
    .enum(['database', 'redis'])
    .default('database')
    .describe('Where jobs wait for workers: database (the store itself) or redis (queue.redis_url).'),
  redis_url: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379')
    .describe('Redis the redis backend uses (redis://[user:password@]host:port[/db]).'),
  redis_prefix: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'expected letters, digits, : _ -, at most 64')
    .default('vigil')
    .describe('Prefix of every Redis key, so several networks can share one Redis.'),
  lease_ms: positiveInt
    .min(1000)
    .default(30_000)
    .describe(
      'How long a claim holds a job without the worker extending it, in ms; a dead worker’s job is re-run after it.',
    ),
  recover_interval_ms: positiveInt.default(2000).describe('How often expired leases are looked for, in ms.'),
  reconcile_interval_s: positiveInt
    .default(60)
    .describe(
      'How often unfinished jobs are checked against the queue and re-offered if it lost them, in seconds.',
    ),
  claim_max_wait_ms: z
    .int()
    .min(0)
    .max(60_000)
    .default(20_000)
    .describe('Longest a claim waits for work before answering empty (long poll), in ms.'),
});

export const jobsSchema = z.strictObject({
  max_payload_bytes: positiveInt
    .default(65_536)
    .describe('Largest job payload accepted, as JSON bytes; larger is refused with 413.'),
  max_result_bytes: positiveInt
    .default(262_144)
    .describe('Largest job result accepted from a worker, as JSON bytes.'),
});

export const topicsSchema = z
  .array(topicSchema)
  .default(() => [])
  .superRefine((topics, ctx) => {
    const seen = new Set<string>();
    topics.forEach((topic, i) => {
      if (seen.has(topic.name)) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `topic ${topic.name} is declared twice` });
      }
      seen.add(topic.name);
    });
  })
  .describe('Topics declared in configuration (see docs/work.md); the API may add more.');
