import type { KeyObject } from 'node:crypto';
import { Agent, request } from 'undici';
import { EMPTY_SHA256, REQUEST_SIGNATURE_HEADERS, sha256Hex, signRequest } from '../core/crypto/index.ts';
import { parseRetryAfterMs } from '../platform/retry.ts';
import { CallAbortedError, CoordinatorError } from './errors.ts';

export interface SignedClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (a trailing slash is fine). */
  baseUrl: string;
  /** The node this process acts for: the key id of every signed request. */
  nodeId: string;
  privateKey: KeyObject;
  /** Every call's limit, answer body included (a long poll gets its wait on top). */
  requestTimeoutMs: number;
  now?: () => number;
  /** Told each time the connection pool is replaced, with why. */
  onReconnect?: (reason: string) => void;
}

export interface Answer<T> {
  status: number;
  body: T;
}

export interface CallOptions {
  /** Gives up on the call (it fails with CallAbortedError): the caller is draining or stopping. */
  signal?: AbortSignal | undefined;
  /** A long poll: the coordinator may hold its answer this long, on top of the call's limit. */
  waitMs?: number | undefined;
}

/**
 * A node's connection to the coordinator API. A 4xx or 5xx answer, or none, throws
 * CoordinatorError; a call given up on or cut by `close` throws CallAbortedError.
 */
export interface SignedClient {
  readonly baseUrl: string;
  readonly nodeId: string;
  /** An unsigned GET: the coordinator's public reads. */
  get<T>(path: string, options?: CallOptions): Promise<Answer<T>>;
  /** A node-signed POST; `body` is sent byte for byte, so a resend is the identical request body. */
  post<T>(path: string, body: string, options?: CallOptions): Promise<Answer<T>>;
  /** A POST authorized by an API key (`Bearer`) instead of the node's signature: registering the node. */
  postWithApiKey<T>(path: string, apiKey: string, body: string, options?: CallOptions): Promise<Answer<T>>;
  /** How many times the connection pool was replaced after a timeout or socket error. */
  readonly reconnects: number;
  /** Cuts the calls in flight and refuses later ones (CallAbortedError), then drops the connections. */
  close(): Promise<void>;
}

type Method = 'GET' | 'POST';
type Auth = { kind: 'none' } | { kind: 'signed' } | { kind: 'api-key'; apiKey: string };

/** A request before it is sent: method, path (with its query) and the exact body bytes. */
interface Outgoing {
  method: Method;
  path: string;
  body: string | undefined;
  auth: Auth;
}

/**
 * The coordinator client agents and workers share. Signed calls are signed as the contract
 * says (method, path and query as sent, SHA-256 of the exact body bytes, timestamp, key id =
 * node id), freshly on every call, so a retry is never refused as a replay. Every call is
 * bounded by a timeout and goes over an undici connection pool of its own: a timeout or a
 * socket error replaces the pool, so the next call opens a fresh connection instead of
 * queueing behind one the network silently dropped (a half-open TCP connection can look alive
 * for minutes). The old pool is closed gracefully: other calls on it keep their own timeouts.
 */
export function createSignedClient({
  baseUrl,
  nodeId,
  privateKey,
  requestTimeoutMs,
  now = Date.now,
  onReconnect = () => {},
}: SignedClientOptions): SignedClient {
  const base = baseUrl.replace(/\/+$/, '');
  const pools = createPools(requestTimeoutMs, onReconnect);
  const closing = new AbortController();
  const sign = createSigner(nodeId, privateKey, now);

  async function call<T>(outgoing: Outgoing, options: CallOptions = {}): Promise<Answer<T>> {
    const what = `${outgoing.method} ${outgoing.path}`;
    if (closing.signal.aborted) throw new CallAbortedError(`${what}: the client is closed`);
    const timeoutMs = requestTimeoutMs + (options.waitMs ?? 0);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, closing.signal, ...(options.signal === undefined ? [] : [options.signal])];
    const used = pools.current();
    let answer: { status: number; body: unknown; retryAfter: string | string[] | undefined };
    try {
      const response = await request(`${base}${outgoing.path}`, {
        method: outgoing.method,
        headers: requestHeaders(outgoing, sign),
        ...(outgoing.body === undefined ? {} : { body: outgoing.body }),
        dispatcher: used,
        signal: AbortSignal.any(signals),
      });
      const text = await response.body.text();
      answer = {
        status: response.statusCode,
        body: parseBody(text, response.headers['content-type']),
        retryAfter: response.headers['retry-after'],
      };
    } catch (cause) {
      if (closing.signal.aborted) throw new CallAbortedError(`${what}: the client is closed`, { cause });
      if (options.signal?.aborted && !timeout.aborted) {
        throw new CallAbortedError(`${what}: given up (${String(options.signal.reason ?? 'aborted')})`, {
          cause,
        });
      }
      const reason = timeout.aborted
        ? `no answer within ${timeoutMs} ms`
        : (((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message);
      pools.replace(used, `${what}: ${reason}`);
      throw new CoordinatorError(`${what}: ${reason}`, { cause });
    }
    if (answer.status >= 400) throw refusal(what, answer, now());
    return { status: answer.status, body: answer.body as T };
  }

  return {
    baseUrl: base,
    nodeId,
    get: (path, options) => call({ method: 'GET', path, body: undefined, auth: { kind: 'none' } }, options),
    post: (path, body, options) => call({ method: 'POST', path, body, auth: { kind: 'signed' } }, options),
    postWithApiKey: (path, apiKey, body, options) =>
      call({ method: 'POST', path, body, auth: { kind: 'api-key', apiKey } }, options),
    get reconnects() {
      return pools.reconnects;
    },
    async close() {
      if (closing.signal.aborted) return;
      closing.abort(new Error('the client is closed'));
      await pools.destroy();
    },
  };
}

/** The signature headers of one request. */
type Signer = (request: { method: Method; path: string; body: string | undefined }) => Record<string, string>;

/** Signs as the contract says: method, path and query, SHA-256 of the body bytes, time, key id. */
function createSigner(nodeId: string, privateKey: KeyObject, now: () => number): Signer {
  // ed25519 signatures are deterministic, and the coordinator refuses a signature it saw
  // before: two identical calls in one millisecond (two slots claiming, a report resent at
  // once) would collide, so every call gets a timestamp later than the previous one.
  let lastTimestampMs = 0;
  return ({ method, path, body }) => {
    const bodySha256 = body === undefined ? EMPTY_SHA256 : sha256Hex(body);
    lastTimestampMs = Math.max(Math.trunc(now()), lastTimestampMs + 1);
    const timestampMs = lastTimestampMs;
    return {
      [REQUEST_SIGNATURE_HEADERS.keyId]: nodeId,
      [REQUEST_SIGNATURE_HEADERS.timestampMs]: String(timestampMs),
      [REQUEST_SIGNATURE_HEADERS.bodySha256]: bodySha256,
      [REQUEST_SIGNATURE_HEADERS.signature]: signRequest(
        { method, path, bodySha256, timestampMs, keyId: nodeId },
        privateKey,
      ),
    };
  };
}

function requestHeaders(outgoing: Outgoing, sign: Signer): Record<string, string> {
  const { body, auth } = outgoing;
  return {
    accept: 'application/json, application/problem+json',
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(auth.kind === 'api-key' ? { authorization: `Bearer ${auth.apiKey}` } : {}),
    ...(auth.kind === 'signed' ? sign(outgoing) : {}),
  };
}

/** The connection pool in use, replaced after a timeout or socket error on it. */
function createPools(requestTimeoutMs: number, onReconnect: (reason: string) => void) {
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
  let destroyed = false;
  return {
    current: () => pool,
    get reconnects() {
      return reconnects;
    },
    replace(used: Agent, reason: string): void {
      // Only the first failure on a pool replaces it; calls that fail because of that are not new evidence.
      if (pool !== used || destroyed) return;
      pool = newPool();
      reconnects++;
      used.close().catch(() => {});
      onReconnect(reason);
    },
    async destroy(): Promise<void> {
      destroyed = true;
      await pool.destroy().catch(() => {});
    },
  };
}

/** JSON when the answer says it is JSON (a problem included), the text otherwise; null when empty. */
function parseBody(text: string, contentType: string | string[] | undefined): unknown {
  if (text === '') return null;
  if (!String(contentType ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A 4xx or 5xx answer as the CoordinatorError it is, with its problem and Retry-After. */
function refusal(
  what: string,
  answer: { status: number; body: unknown; retryAfter: string | string[] | undefined },
  nowMs: number,
): CoordinatorError {
  const problem =
    typeof answer.body === 'object' && answer.body !== null ? (answer.body as Record<string, unknown>) : null;
  const detail = typeof problem?.['detail'] === 'string' ? `: ${problem['detail']}` : '';
  return new CoordinatorError(`${what} answered ${answer.status}${detail}`, {
    status: answer.status,
    problem,
    retryAfterMs: parseRetryAfterMs(answer.retryAfter, nowMs),
  });
}
