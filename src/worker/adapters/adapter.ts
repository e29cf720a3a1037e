// What every adapter is to the worker: something that turns a job's payload into a result, or
// into a classified failure. The worker never sees an exception from `run`; it sees an outcome
// whose `retryable` flag tells it whether another attempt could go differently.

export type AdapterKind = 'http' | 'command' | 'module';

/** Why an attempt failed. `code` is a stable kebab-case slug (see decision 0021). */
export interface AdapterFailure {
  code: string;
  message: string;
  retryable: boolean;
}

export type AdapterOutcome = { ok: true; result: unknown } | { ok: false; error: AdapterFailure };

export interface RunOptions {
  /** The caller's stop: drain, lease lost, job cancelled. Its abort ends the run as `cancelled`. */
  signal: AbortSignal;
  /** One attempt's limit; past it the run ends as `timeout`. */
  timeoutMs: number;
}

export interface Adapter {
  readonly kind: AdapterKind;
  /** Runs one attempt. Never rejects: every failure is an outcome. */
  run(input: unknown, options: RunOptions): Promise<AdapterOutcome>;
  /** Releases what the adapter holds (connections). Runs still in flight should be aborted first. */
  close(): Promise<void>;
}

/** Largest result an adapter reads (HTTP body, command stdout, module value as JSON). */
export const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

export function failed(code: string, message: string, retryable: boolean): AdapterOutcome {
  return { ok: false, error: { code, message, retryable } };
}

/** The caller stopped the run. Not retryable: whoever aborted decides what happens to the job. */
export function cancelledOutcome(kind: AdapterKind): AdapterOutcome {
  return failed('cancelled', `${kind} adapter stopped by the worker`, false);
}

export function timeoutOutcome(kind: AdapterKind, timeoutMs: number, detail = ''): AdapterOutcome {
  return failed('timeout', `${kind} adapter took longer than ${timeoutMs} ms${detail}`, true);
}
