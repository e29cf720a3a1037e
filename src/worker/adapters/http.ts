import { Agent } from 'undici';
import type { AdapterSpec } from '../../core/work/topic.ts';
import {
  type Adapter,
  type AdapterOutcome,
  cancelledOutcome,
  failed,
  MAX_OUTPUT_BYTES,
  timeoutOutcome,
} from './adapter.ts';
import { openAttemptWindow } from './attempt.ts';
import { parseJsonOutput, preview, tooLarge } from './json-output.ts';

export type HttpAdapterSpec = Extract<AdapterSpec, { kind: 'http' }>;

export interface HttpAdapterOptions {
  /** Longest wait for a TCP/TLS connection, independent of the attempt's own timeout. */
  connectTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

/** How much of an error response is read for the failure message. */
const ERROR_BODY_BYTES = 2048;
const RETRYABLE_STATUSES = new Set([408, 429]);

/**
 * POSTs the payload as JSON to the topic's URL; a 2xx JSON body is the result. One keep-alive
 * connection pool per adapter, so a worker's slots reuse connections to the service.
 */
export function createHttpAdapter(spec: HttpAdapterSpec, options: HttpAdapterOptions = {}): Adapter {
  const url = new URL(spec.url);
  const agent = new Agent({
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
  });
  const headers = {
    ...spec.headers,
    'content-type': 'application/json',
    accept: 'application/json',
  };

  async function runOnce(input: unknown, signal: AbortSignal, timeoutMs: number): Promise<AdapterOutcome> {
    const window = openAttemptWindow(signal, timeoutMs);
    try {
      const response = await agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers,
        body: JSON.stringify(input ?? null),
        signal: window.signal,
        // The window's signal ends the attempt; these only stop undici's own 300 s defaults
        // from outliving a longer attempt.
        headersTimeout: timeoutMs + 1000,
        bodyTimeout: timeoutMs + 1000,
      });
      const { statusCode } = response;
      if (statusCode >= 200 && statusCode < 300) {
        const body = await readBounded(response.body, MAX_OUTPUT_BYTES);
        if (body === null) return tooLarge('http response body');
        return parseJsonOutput(body.toString('utf8'), `response of ${url.href}`);
      }
      const body = await readBounded(response.body, ERROR_BODY_BYTES, true);
      return statusFailure(
        statusCode,
        `${url.href} answered ${statusCode}: ${preview(body?.toString('utf8') ?? '')}`,
      );
    } catch (err) {
      const stop = window.stopReason();
      if (stop === 'cancelled') return cancelledOutcome('http');
      if (stop === 'timeout' || isUndiciTimeout(err)) return timeoutOutcome('http', timeoutMs);
      return failed('network', `cannot reach ${url.href}: ${describe(err)}`, true);
    } finally {
      window.dispose();
    }
  }

  return {
    kind: 'http',
    run(input, { signal, timeoutMs }) {
      if (signal.aborted) return Promise.resolve(cancelledOutcome('http'));
      return runOnce(input, signal, timeoutMs);
    },
    async close() {
      await agent.destroy();
    },
  };
}

/** 5xx, 408 and 429 say "not now"; any other status says "not this request". */
function statusFailure(status: number, message: string): AdapterOutcome {
  if (status >= 500) return failed('http-5xx', message, true);
  if (RETRYABLE_STATUSES.has(status)) return failed(`http-${status}`, message, true);
  if (status >= 400) return failed('http-4xx', message, false);
  return failed('http-status', message, false);
}

/**
 * The body up to `limit` bytes; null when it is longer (unless `truncate`, which keeps the
 * start). Reading stops at the limit, so a huge body never sits in memory.
 */
async function readBounded(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  limit: number,
  truncate = false,
): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes > limit) {
      body.destroy();
      return truncate ? Buffer.concat(chunks).subarray(0, limit) : null;
    }
  }
  return Buffer.concat(chunks);
}

function isUndiciTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: unknown }).code;
  const base = typeof code === 'string' ? `${code} ${err.message}` : err.message;
  return cause instanceof Error ? `${base} (${cause.message})` : base;
}
