import { z } from 'zod';
import { TOPIC_NAME } from '../core/work/topic.ts';

// The autoscaler (issue 15): which scaled targets it keeps sized, from which readings, by which
// policies, through which deployer. docs/autoscaler.md describes every key.

const positiveInt = z.int().positive();
const nonNegativeInt = z.int().min(0);
const httpUrl = z.url({ protocol: /^https?$/ });
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Where the readings come from, besides the target's own topic (autoscaler/sources/). */
const redisSourceSchema = z.strictObject({
  name: z.string().regex(NAME, 'expected lower-case letters, digits, . _ -'),
  kind: z.literal('redis'),
  url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
  key: z.string().min(1),
  type: z.enum(['list', 'stream', 'zset']).default('list'),
  /** A stream's consumer group: its pending entries instead of the stream's length. */
  group: z.string().min(1).optional(),
  /** A sorted set's score range (ZCOUNT) instead of its size; `now` is the read's time in ms. */
  min_score: z.union([z.number(), z.literal('now')]).optional(),
  max_score: z.union([z.number(), z.literal('now')]).optional(),
  timeout_ms: positiveInt.default(5_000),
});

const prometheusSourceSchema = z.strictObject({
  name: z.string().regex(NAME, 'expected lower-case letters, digits, . _ -'),
  kind: z.literal('prometheus'),
  url: httpUrl,
  /** Must yield one sample: a scalar, or a vector of one series (wrap it in sum(…)). */
  query: z.string().min(1),
  timeout_ms: positiveInt.default(5_000),
  bearer_token: z.string().min(1).optional(),
  basic_auth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
});

export const autoscalerSourceSchema = z.discriminatedUnion('kind', [
  redisSourceSchema,
  prometheusSourceSchema,
]);

/** A new block of an EVM chain makes a tick, as the seed scales per block. */
const blockTicksSchema = z
  .strictObject({
    ws_url: z.url({ protocol: /^wss?$/ }).optional(),
    http_url: httpUrl.optional(),
    poll_interval_ms: positiveInt.min(100).default(2_000),
    request_timeout_ms: positiveInt.default(5_000),
    reconnect_initial_ms: positiveInt.default(500),
    reconnect_max_ms: positiveInt.default(30_000),
    ws_idle_ms: positiveInt.optional(),
  })
  .refine((b) => b.ws_url !== undefined || b.http_url !== undefined, {
    message: 'expected ws_url or http_url (or both: the WebSocket, with polling over HTTP as the fallback)',
  });

const watermarkPolicySchema = z.strictObject({
  kind: z.literal('watermark'),
  metric: z.string().min(1).default('topic.backlog'),
  high: z.number(),
  low: z.number(),
  /** Readings in a row beyond a watermark before it moves one replica. */
  breaches: positiveInt.default(3),
});

const targetPolicySchema = z.strictObject({
  kind: z.literal('target'),
  metric: z.string().min(1),
  /** The value per replica to hold the metric at (an HPA AverageValue target). */
  target: z.number().positive(),
  /** `total`: a sum over the target (a queue's length), divided by the replicas; `per_replica`: already an average. */
  metric_type: z.enum(['total', 'per_replica']).default('total'),
  tolerance: z.number().min(0).max(1).default(0.1),
});

const backlogPolicySchema = z.strictObject({
  kind: z.literal('backlog'),
  /** Work must finish within this; the topic's deadline when absent, else 60 s. */
  deadline_s: z.number().positive().optional(),
  /** Room above what the measured rates need. */
  headroom: z.number().min(0).max(4).default(0.1),
  /** How long a new replica takes from being asked for to its first claim. */
  startup_s: z.number().min(0).default(10),
  /** A job's service time until one is measured (a pool scaled from zero has none yet). */
  service_s: z.number().positive().optional(),
});

/** Pre-scales for the coordinator's demand forecast of the target's topic (decision 0089). */
const forecastPolicySchema = z.strictObject({
  kind: z.literal('forecast'),
  level: z
    .enum(['point', 'upper80', 'upper95'])
    .default('upper80')
    .describe(
      'Which forecast figure to size for: the point forecast or the upper bound of its 80 % or 95 % interval.',
    ),
  lead_s: z
    .number()
    .positive()
    .max(86_400)
    .default(10)
    .describe('How far ahead to look, in s: the replicas’ start-up time, so they run when the rise comes.'),
  target_utilization: z
    .number()
    .gt(0)
    .max(1)
    .default(0.8)
    .describe('The busy share of its slots a replica is sized for (0.8 leaves 20 % spare).'),
  slots_per_replica: positiveInt
    .max(256)
    .optional()
    .describe('Slots one replica serves; the target’s concurrency when absent.'),
});

export const autoscalerPolicySchema = z.discriminatedUnion('kind', [
  watermarkPolicySchema,
  targetPolicySchema,
  backlogPolicySchema,
  forecastPolicySchema,
]);

const directionSchema = ({ maxStep, stabilizationS }: { maxStep: number; stabilizationS: number }) =>
  z.strictObject({
    /** Replicas added (removed) per period; with max_step_pct the larger limit applies (0: only the percentage). */
    max_step: nonNegativeInt.default(maxStep),
    max_step_pct: nonNegativeInt.default(100),
    period_s: nonNegativeInt.default(15),
    stabilization_s: nonNegativeInt.default(stabilizationS),
  });

/** What every replica's `vigil worker` is configured with beyond what the autoscaler sets. */
const workerOverrides = z
  .record(z.string(), z.unknown())
  .default(() => ({}))
  .describe(
    'Worker configuration keys (docs/worker.md) every replica gets, over the target’s topic and concurrency.',
  );

const processDeployerSchema = z.strictObject({
  kind: z.literal('process'),
  /** Where replicas' records, keys, outboxes and logs live; survives autoscaler restarts. */
  state_dir: z.string().min(1).default('./data/autoscaler'),
  /** The command a replica runs; `vigil worker` of this installation when absent. */
  command: z.array(z.string().min(1)).min(1).optional(),
  env: z.record(z.string(), z.string()).default(() => ({})),
  worker: workerOverrides,
});

const dockerDeployerSchema = z.strictObject({
  kind: z.literal('docker'),
  /** The engine's unix socket; DOCKER_HOST's, else /var/run/docker.sock, when absent. */
  socket_path: z.string().min(1).optional(),
  /** An image with `vigil` in it (the project publishes none yet: build one). */
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).default(() => ({})),
  /** `host` reaches a coordinator on the host's loopback; null: the engine's default network. */
  network_mode: z.string().min(1).nullable().default('host'),
  binds: z.array(z.string().min(1)).default(() => []),
  labels: z.record(z.string(), z.string()).default(() => ({})),
  pull: z.boolean().default(true),
  worker: workerOverrides,
});

const kubernetesDeployerSchema = z.strictObject({
  kind: z.literal('kubernetes'),
  namespace: z.string().min(1).default('default'),
  workload: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
  name: z.string().min(1),
  /** A kubeconfig file; in-cluster or the default kubeconfig when absent. */
  kubeconfig: z.string().min(1).optional(),
});

const ecsDeployerSchema = z.strictObject({
  kind: z.literal('ecs'),
  cluster: z.string().min(1),
  service: z.string().min(1),
  region: z.string().min(1).optional(),
  /** An endpoint other than AWS's own (a compatible service, or a test's). */
  endpoint: httpUrl.optional(),
});

export const autoscalerDeployerSchema = z.discriminatedUnion('kind', [
  processDeployerSchema,
  dockerDeployerSchema,
  kubernetesDeployerSchema,
  ecsDeployerSchema,
]);

export const scaledTargetSchema = z
  .strictObject({
    name: z.string().regex(NAME, 'expected lower-case letters, digits, . _ -, at most 63'),
    /** The topic whose worker pool this is: its queue and outcomes are read as `topic.*`. */
    topic: z.string().regex(TOPIC_NAME).optional(),
    /** Jobs a replica runs at once, for the topic's measured per-replica throughput. */
    concurrency: positiveInt.max(256).default(1),
    min_replicas: nonNegativeInt.default(0),
    max_replicas: positiveInt.default(10),
    paused: z.boolean().default(false),
    deployer: autoscalerDeployerSchema,
    sources: z.array(autoscalerSourceSchema).default(() => []),
    policies: z.array(autoscalerPolicySchema).min(1),
    block_ticks: blockTicksSchema.optional(),
    scale_up: directionSchema({ maxStep: 4, stabilizationS: 0 }).prefault({}),
    scale_down: directionSchema({ maxStep: 0, stabilizationS: 300 }).prefault({}),
    cooldown_s: nonNegativeInt.default(0),
    drain_timeout_ms: positiveInt.default(30_000),
  })
  .superRefine((target, ctx) => {
    if (target.min_replicas > target.max_replicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['min_replicas'],
        message: `expected at most max_replicas (${target.max_replicas})`,
      });
    }
    const names = new Set(target.sources.map((s) => s.name));
    if (names.size !== target.sources.length) {
      ctx.addIssue({ code: 'custom', path: ['sources'], message: 'two sources have the same name' });
    }
    target.policies.forEach((policy, i) => {
      if ((policy.kind === 'backlog' || policy.kind === 'forecast') && target.topic === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'kind'],
          message:
            policy.kind === 'backlog'
              ? 'the backlog policy reads a topic: give the target a topic'
              : 'the forecast policy reads a topic’s demand forecast: give the target a topic',
        });
      }
      if (policy.kind === 'watermark' && policy.low >= policy.high) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'low'],
          message: `expected below high (${policy.high})`,
        });
      }
      if (policy.kind === 'backlog' || policy.kind === 'forecast') return;
      const [prefix] = policy.metric.split('.');
      if (prefix === 'topic' ? target.topic === undefined : !names.has(policy.metric)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policies', i, 'metric'],
          message:
            prefix === 'topic'
              ? 'a topic.* metric needs the target’s topic'
              : `no source named ${policy.metric} (sources: ${[...names].join(', ') || 'none'})`,
        });
      }
    });
  });

export const autoscalerSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Run the autoscaler in the coordinator’s process (vigil up does); `vigil autoscaler` runs it alone.',
      ),
    tick_interval_ms: positiveInt
      .min(100)
      .default(5_000)
      .describe('How often every target is ticked, in ms.'),
    queue_poll_ms: positiveInt
      .min(50)
      .default(250)
      .describe('How often topics’ queues are looked at for a burst that ticks at once, in ms.'),
    lease_ttl_ms: positiveInt
      .min(1_000)
      .default(15_000)
      .describe('How long the acting autoscaler’s lease lasts unless renewed; another takes over after it.'),
    stale_after_ms: positiveInt
      .default(60_000)
      .describe('A reading older than this is no reading: its policy proposes nothing.'),
    coordinator_url: z
      .url({ protocol: /^https?$/ })
      .default('http://127.0.0.1:8080')
      .describe(
        'The coordinator the replicas’ workers talk to, and forecast policies read their topic’s demand forecast from (vigil up sets its own).',
      ),
    worker_api_key: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'A node or operator key the replicas register their nodes with (forecast policies read with it too); null passes VIGIL_WORKER_API_KEY through.',
      ),
    dogstatsd: z
      .strictObject({
        host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe(
            'DogStatsD agent host the autoscaler also sends its metrics to; the section is null (off) by default, and setting any of its keys turns it on.',
          ),
        port: positiveInt.max(65_535).default(8125).describe('DogStatsD agent UDP port.'),
        prefix: z
          .string()
          .default('vigil.autoscaler.')
          .describe('Prefix of every metric name sent (desired_replicas, decisions, tick_lag, …).'),
        tags: z
          .record(z.string(), z.string())
          .default(() => ({}))
          .describe('Tags added to every metric sent, as { name: value } (env, service, …).'),
      })
      .nullable()
      .default(null)
      .describe('Send the autoscaler’s metrics to DogStatsD too; null sends nothing (docs/autoscaler.md).'),
    targets: z
      .array(scaledTargetSchema)
      .default(() => [])
      .describe(
        'Scaled targets: what to scale, through which deployer, from which readings, by which policies (docs/autoscaler.md).',
      ),
  })
  .superRefine((autoscaler, ctx) => {
    const seen = new Set<string>();
    autoscaler.targets.forEach((target, i) => {
      if (seen.has(target.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'name'],
          message: `target ${target.name} is declared twice`,
        });
      }
      seen.add(target.name);
    });
  });

export type AutoscalerConfig = z.output<typeof autoscalerSchema>;
export type ScaledTargetConfig = z.output<typeof scaledTargetSchema>;
