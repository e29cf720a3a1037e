import type { KeyObject } from 'node:crypto';
import { Agent, request } from 'undici';
import { CoordinatorError } from '../agent/coordinator-client.ts';
import { REQUEST_SIGNATURE_HEADERS, sha256Hex, signRequest } from '../core/crypto/index.ts';
import type {
  BatchAnswer,
  ClaimedJob,
  ClaimRequest,
  ExtendAnswer,
  JobResult,
  LeaseRef,
  ResultDisposition,
  Sample,
  SyncAnswer,
  SyncRequest,
  Verdict,
  VerdictDisposition,
} from '../core/work/protocol.ts';
import { parseRetryAfterMs } from '../platform/retry.ts';

export { CoordinatorError };

/** The caller gave up on the call (draining, stopping): not a coordinator failure. */
export class CallAbortedError extends Error {
  override name = 'CallAbortedError';
}

export interface WorkerClientOptions {
  baseUrl: string;
  nodeId: string;
  privateKey: KeyObject;
  /** Every call's limit; a claim gets its wait on top. */
  requestTimeoutMs: number;
  now?: () => number;
  /** Told each time the connection pool is replaced, with why. */
  onReconnect?: (reason: string) => void;
}

export interface WorkerCoordinatorClient {
  sync(body: SyncRequest, signal?: AbortSignal): Promise<SyncAnswer>;
  claim(topic: string, body: ClaimRequest, signal?: AbortSignal): Promise<ClaimedJob[]>;
  extendLeases(workerId: string, leases: LeaseRef[], signal?: AbortSignal): Promise<ExtendAnswer>;
  submitResults(results: JobResult[], signal?: AbortSignal): Promise<BatchAnswer<ResultDisposition>>;
  claimSamples(
    topic: string,
    body: { worker_id: string; max: number },
    signal?: AbortSignal,
  ): Promise<Sample[]>;
  submitVerdicts(verdicts: Verdict[], signal?: AbortSignal): Promise<BatchAnswer<VerdictDisposition>>;
  /** How many times the connection pool was replaced after a timeout or socket error. */
  readonly reconnects: number;
  close(): Promise<void>;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The worker's side of the coordinator API: every call node-signed (as the agent's client
 * does), bounded by a timeout, over an undici connection pool of its own. A timeout or a
 * socket error replaces the pool, so the next call opens a fresh connection instead of
 * queueing behind one the network silently dropped (a half-open TCP connection can look
 * alive for minutes). The old pool is closed gracefully: other calls on it keep their own
 * timeouts.
 */
export function createWorkerClient({
  baseUrl,
  nodeId,
  privateKey,
  requestTimeoutMs,
  now = Date.now,
  onReconnect = () => {},
}: WorkerClientOptions): WorkerCoordinatorClient {
  const base = baseUrl.replace(/\/+$/, '');
  const newPool = () =>
    new Agent({
      connect: { timeout: requestTimeoutMs },
      keepAliveTimeout: 4_000,
      // The whole-call signal is the real bound; these only catch a stall inside one phase.
      headersTimeout: 0,
      bodyTimeout: requestTimeoutMs,
    });
  let pool = newPool();
  let reconnects = 0;
  let closed = false;
  // ed25519 signatures are deterministic, and the coordinator refuses a signature it saw
  // before: two identical calls in one millisecond (two slots claiming) would collide, so
  // every call gets a timestamp later than the previous one.
  let lastTimestampMs = 0;

  function replacePool(used: Agent, reason: string): void {
    // Only the first failure on a pool replaces it; calls that fail because of that are not new evidence.
    if (pool !== used || closed) return;
    pool = newPool();
    reconnects++;
    used.close().catch(() => {});
    onReconnect(reason);
  }

  async function call<T>(
    path: string,
    payload: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T> {
    if (closed) throw new CallAbortedError(`POST ${path}: the client is closed`);
    const body = JSON.stringify(payload);
    const bodySha256 = sha256Hex(body);
    lastTimestampMs = Math.max(Math.trunc(now()), lastTimestampMs + 1);
    const timestampMs = lastTimestampMs;
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'content-type': 'application/json',
      [REQUEST_SIGNATURE_HEADERS.keyId]: nodeId,
      [REQUEST_SIGNATURE_HEADERS.timestampMs]: String(timestampMs),
      [REQUEST_SIGNATURE_HEADERS.bodySha256]: bodySha256,
      [REQUEST_SIGNATURE_HEADERS.signature]: signRequest(
        { method: 'POST', path, bodySha256, timestampMs, keyId: nodeId },
        privateKey,
      ),
    };
    const timeout = AbortSignal.timeout(timeoutMs);
    const used = pool;
    let status: number;
    let answer: unknown;
    let retryAfter: string | string[] | undefined;
    try {
      const response = await request(`${base}${path}`, {
        method: 'POST',
        headers,
        body,
        dispatcher: used,
        signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal]),
      });
      status = response.statusCode;
      retryAfter = response.headers['retry-after'];
      answer = parseBody(await response.body.text());
    } catch (cause) {
      if (signal?.aborted && !timeout.aborted) {
        throw new CallAbortedError(`POST ${path}: given up (${String(signal.reason ?? 'aborted')})`, {
          cause,
        });
      }
      const reason = timeout.aborted
        ? `no answer within ${timeoutMs} ms`
        : (((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message);
      replacePool(used, `POST ${path}: ${reason}`);
      throw new CoordinatorError(`POST ${path}: ${reason}`, { cause });
    }
    if (status >= 400) {
      const problem =
        typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : null;
      const detail = typeof problem?.['detail'] === 'string' ? `: ${problem['detail']}` : '';
      throw new CoordinatorError(`POST ${path} answered ${status}${detail}`, {
        status,
        problem,
        retryAfterMs: parseRetryAfterMs(retryAfter, now()),
      });
    }
    return answer as T;
  }

  const topicPath = (topic: string, rest: string) => `/topics/${encodeURIComponent(topic)}/${rest}`;

  return {
    sync: (body, signal) => call<SyncAnswer>('/workers/sync', body, requestTimeoutMs, signal),
    async claim(topic, body, signal) {
      const answer = await call<{ jobs: ClaimedJob[] }>(
        topicPath(topic, 'claim'),
        body,
        body.wait_ms + requestTimeoutMs,
        signal,
      );
      return answer.jobs;
    },
    extendLeases: (workerId, leases, signal) =>
      call<ExtendAnswer>('/leases/extend', { worker_id: workerId, leases }, requestTimeoutMs, signal),
    async submitResults(results, signal) {
      const answer = await call<{ results: BatchAnswer<ResultDisposition>['items'] }>(
        '/results',
        { results },
        requestTimeoutMs,
        signal,
      );
      return { items: answer.results };
    },
    async claimSamples(topic, body, signal) {
      const answer = await call<{ samples: Sample[] }>(
        topicPath(topic, 'verifications/claim'),
        body,
        requestTimeoutMs,
        signal,
      );
      return answer.samples;
    },
    async submitVerdicts(verdicts, signal) {
      const answer = await call<{ verdicts: BatchAnswer<VerdictDisposition>['items'] }>(
        '/verdicts',
        { verdicts },
        requestTimeoutMs,
        signal,
      );
      return { items: answer.verdicts };
    },
    get reconnects() {
      return reconnects;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy().catch(() => {});
    },
  };
}
