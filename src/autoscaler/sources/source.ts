/**
 * What the autoscaler reads at each tick, and what makes it tick. A metric source that cannot
 * answer throws a SourceError: the tick then holds the current count (a policy with missing
 * or stale data proposes nothing rather than zero), raises a metric and logs a line.
 */

/** One reading of a metric. */
export interface Reading {
  value: number;
  /** When it was read or measured (UTC ms): a policy refuses readings older than it allows. */
  at: number;
}

export interface MetricSource {
  /** `redis-list`, `prometheus`, `topic`, …: for logs, metrics and decisions. */
  readonly kind: string;
  /** The current value (a list's length, a query's result, a topic's backlog). */
  read(): Promise<Reading>;
  close(): Promise<void>;
}

/** Why a tick happened. */
export type TickReason = 'interval' | 'queue' | 'block';

/** Something that makes the autoscaler tick: an interval, a queue's change, a chain's new block. */
export interface TickSource {
  readonly kind: TickReason;
  /** Starts calling `onTick`; calls do not overlap the source's own reconnects. */
  start(onTick: (tick: { reason: TickReason; at: number; detail?: Record<string, unknown> }) => void): void;
  stop(): Promise<void>;
}

/** A source that could not answer (unreachable, refused, or an answer that is not a number). */
export class SourceError extends Error {
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(`${source} source: ${message}`, options);
    this.name = 'SourceError';
    this.source = source;
  }
}

/**
 * A source's configuration that cannot work (a malformed URL, an empty key): thrown when the
 * source is built, before any I/O, so a bad configuration stops the role at start-up instead
 * of failing every tick.
 */
export class SourceConfigError extends Error {
  readonly source: string;
  /** The configuration field at fault, as written in the configuration (`url`, `key`). */
  readonly field: string;
  constructor(source: string, field: string, message: string) {
    super(`${source} source: ${field} ${message}`);
    this.name = 'SourceConfigError';
    this.source = source;
    this.field = field;
  }
}
