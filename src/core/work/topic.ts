// What a topic is: a kind of work with its adapter, its limits, its retry policy, its price and
// the benchmark a worker must pass. The coordinator, the worker and the configuration all speak
// of topics in these terms; the schemas that read them from files and requests
// (config/topic-schema.ts) are checked against these types, so core never depends on them.

/** A topic's name: lowercase letters, digits, `.`, `_` and `-`, at most 64 characters. */
export const TOPIC_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Any JSON value, as a payload or a result is. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** POSTs the payload as JSON; the JSON response body is the result. */
export interface HttpAdapterSpec {
  kind: 'http';
  url: string;
  headers: Record<string, string>;
}

/** Spawns a process: the payload as JSON on stdin, the result as JSON on stdout. */
export interface CommandAdapterSpec {
  kind: 'command';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
}

/** Imports an ES module and calls one of its exports with the payload. */
export interface ModuleAdapterSpec {
  kind: 'module';
  path: string;
  export: string;
}

export type AdapterSpec = HttpAdapterSpec | CommandAdapterSpec | ModuleAdapterSpec;

/** How long to wait before retrying a failed attempt (see backoff.ts). */
export interface BackoffSpec {
  kind: 'uniform' | 'exponential';
  initial_ms: number;
  max_ms: number;
}

export interface TopicDefinition {
  name: string;
  description: string | null;
  /** The reference adapter; a worker's own configuration may name another for its node. */
  adapter: AdapterSpec | null;
  /** One attempt's limit: the worker kills the adapter after it. */
  timeout_ms: number;
  max_attempts: number;
  backoff: BackoffSpec;
  /** From submission; a job not finished by then is dead-lettered. Null: no deadline. */
  deadline_ms: number | null;
  /** Decimal string in the currency's major unit, never a float (billing). */
  price_per_unit: string;
  unit: 'job' | 'second';
  min_benchmark_score: number;
  /** What the worker runs before taking work; score = successful runs per second. */
  benchmark: { payload: JsonValue; runs: number } | null;
  verification: {
    adapter: AdapterSpec;
    /** Share of successful jobs sampled for verification. */
    sample_rate: number;
    /** With a loss-returning adapter: a loss above this fails. Null: the adapter says pass. */
    max_loss: number | null;
  } | null;
}
