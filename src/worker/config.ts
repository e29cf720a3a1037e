import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, type ConfigProblem, sourceProblem } from '../config/errors.ts';
import { expectation } from '../config/issues.ts';
import { unknownKeyMessage } from '../config/suggest.ts';
import { adapterSchema, TOPIC_NAME } from '../config/topic-schema.ts';

/** JSON of the whole worker configuration; wins over the file. */
export const WORKER_CONFIG_JSON_VAR = 'VIGIL_WORKER_CONFIG_JSON';
/** Path of a JSON file holding the worker configuration. */
export const WORKER_CONFIG_FILE_VAR = 'VIGIL_WORKER_CONFIG_FILE';
/** An API key (node or operator role): when set, the node registers itself first. */
export const WORKER_API_KEY_VAR = 'VIGIL_WORKER_API_KEY';

const positiveInt = z.int().positive();
const topicName = z.string().regex(TOPIC_NAME, 'expected a topic name: lowercase letters, digits, . _ -');

function unique<T>(key: (item: T) => string, what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k))
        ctx.addIssue({ code: 'custom', path: [i, 'topic'], message: `${what} ${k} is listed twice` });
      seen.add(k);
    });
  };
}

/** A topic this node's worker serves, with the adapter the node chose for it (null: see trust). */
const servedTopicSchema = z.strictObject({
  topic: topicName,
  concurrency: positiveInt.max(256).default(1),
  adapter: adapterSchema.nullable().default(null),
});

const verifiedTopicSchema = z.strictObject({
  topic: topicName,
  adapter: adapterSchema.nullable().default(null),
});

export const workerConfigSchema = z.strictObject({
  coordinator_url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8080'),
  /** Null: the id derived from the key, as the agent does. */
  node_id: z.string().min(1).max(128).nullable().default(null),
  /** The node's ed25519 key, shared with the node's agent; created on first start. */
  key_path: z.string().min(1).default('./data/node.key'),
  /** Holds the outbox (worker.sqlite); one host per directory. */
  data_dir: z.string().min(1).default('./data/worker'),
  pool: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a pool name: letters, digits, . _ -')
    .default('default'),
  /** The declared worker's id is `<node_id>/<worker_name>`. */
  worker_name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'expected letters, digits, . _ : -')
    .default('main'),
  max_retries: z.int().min(0).max(100).default(2),
  retry_delay_ms: positiveInt.default(1000),
  backoff: z.enum(['uniform', 'exponential']).default('exponential'),
  request_timeout_ms: positiveInt.min(100).default(10_000),
  heartbeat_interval_ms: positiveInt.min(100).default(5000),
  claim_wait_ms: z.int().min(0).max(60_000).default(10_000),
  drain_timeout_ms: z.int().min(0).default(20_000),
  outbox_max_backoff_ms: positiveInt.default(60_000),
  metrics_port: z.int().min(0).max(65_535).nullable().default(null),
  metrics_host: z.string().min(1).default('127.0.0.1'),
  /** Run a topic's adapter from the coordinator when this file names none (off: a coordinator must not choose what a node runs). */
  trust_coordinator_adapters: z.boolean().default(false),
  topics: z
    .array(servedTopicSchema)
    .default(() => [])
    .superRefine(unique((t) => t.topic, 'topic')),
  verify: z
    .array(verifiedTopicSchema)
    .default(() => [])
    .superRefine(unique((t) => t.topic, 'verified topic')),
});

export type WorkerConfig = z.output<typeof workerConfigSchema>;
export type WorkerConfigInput = z.input<typeof workerConfigSchema>;

/** Keys whose values may be credentials: never printed in an error. */
const SECRET_PARENTS = new Set(['headers', 'env']);

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

function expected(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_union'
    ? 'expected an adapter: { kind: "http" | "command" | "module", … } (see docs/worker.md)'
    : expectation(issue);
}

/** The keys an object at `path` may have, for "did you mean"; empty where not worth knowing. */
function knownKeys(path: readonly (string | number)[]): string[] {
  if (path.length === 0) return Object.keys(workerConfigSchema.shape);
  if (path.length === 2 && path[0] === 'topics') return Object.keys(servedTopicSchema.shape);
  if (path.length === 2 && path[0] === 'verify') return Object.keys(verifiedTopicSchema.shape);
  return [];
}

function problem(
  path: (string | number)[],
  input: unknown,
  origin: string,
  expectation: string,
): ConfigProblem {
  const secret = path.some((p) => SECRET_PARENTS.has(String(p)));
  const value = valueAt(input, path);
  return {
    key: path.length === 0 ? '(root)' : path.join('.'),
    ...(value === undefined || secret || typeof value === 'object' ? {} : { value }),
    origin,
    expected: expectation,
  };
}

function problems(error: z.ZodError, input: unknown, origin: string): ConfigProblem[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(path);
      return issue.keys.map((key) => problem([...path, key], input, origin, unknownKeyMessage(key, known)));
    }
    return [problem(path, input, origin, expected(issue))];
  });
}

/** Validates a parsed configuration; `origin` names where it came from in errors. */
export function parseWorkerConfig(input: unknown, origin: string): WorkerConfig {
  const parsed = workerConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(problems(parsed.error, input, origin));
  return parsed.data;
}

function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([sourceProblem(origin, `not valid JSON: ${(error as Error).message}`)]);
  }
}

export interface LoadedWorkerConfig {
  config: WorkerConfig;
  /** `env VIGIL_WORKER_CONFIG_JSON` or `file <path>`, for the start-up log. */
  source: string;
  /**
   * What relative paths in the configuration (key_path, data_dir, adapters) are relative to:
   * the file's directory, or the working directory for JSON from the environment.
   */
  baseDir: string;
}

/**
 * The worker configuration: JSON in VIGIL_WORKER_CONFIG_JSON, else the file named by
 * VIGIL_WORKER_CONFIG_FILE (or `file`, the command's --config-file). The first found is the
 * whole configuration; nothing is merged. Throws ConfigError with one line per problem.
 */
export function loadWorkerConfig(
  env: NodeJS.ProcessEnv = process.env,
  { file, cwd = process.cwd() }: { file?: string; cwd?: string } = {},
): LoadedWorkerConfig {
  const json = env[WORKER_CONFIG_JSON_VAR];
  if (json !== undefined && json.trim() !== '') {
    if (file !== undefined) {
      throw new ConfigError([
        sourceProblem(
          `env ${WORKER_CONFIG_JSON_VAR} and --config-file ${file}`,
          'both name a worker configuration; use one',
        ),
      ]);
    }
    const origin = `env ${WORKER_CONFIG_JSON_VAR}`;
    return { config: parseWorkerConfig(parseJson(json, origin), origin), source: origin, baseDir: cwd };
  }
  const path = file ?? env[WORKER_CONFIG_FILE_VAR];
  if (path === undefined || path.trim() === '') {
    throw new ConfigError([
      sourceProblem(
        'worker configuration',
        `none given; set ${WORKER_CONFIG_JSON_VAR} or ${WORKER_CONFIG_FILE_VAR} (see config.example.json)`,
      ),
    ]);
  }
  const origin = `file ${path}`;
  let text: string;
  try {
    text = readFileSync(resolve(cwd, path), 'utf8');
  } catch (error) {
    throw new ConfigError([
      sourceProblem(
        origin,
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      ),
    ]);
  }
  return {
    config: parseWorkerConfig(parseJson(text, origin), origin),
    source: origin,
    baseDir: dirname(resolve(cwd, path)),
  };
}
