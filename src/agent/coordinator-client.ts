import type { KeyObject } from 'node:crypto';
import { EMPTY_SHA256, REQUEST_SIGNATURE_HEADERS, sha256Hex, signRequest } from '../core/crypto/index.ts';
import { parseRetryAfterMs } from '../platform/retry.ts';
import type {
  EpochView,
  InterimReceipt,
  MonitorAssignment,
  NodeRegistration,
  ReportReceipt,
} from './coordinator-views.ts';

/** 409 slugs that mean "not yet": the same request can succeed later. */
const RETRYABLE_CONFLICTS = new Set(['report-window-not-open', 'epoch-not-ready']);

/**
 * A request the coordinator refused or never answered. `status` is null when no answer came
 * (refused connection, timeout). `retryable` tells the outbox whether to try again: network
 * errors, 5xx, 429, 401 (a clock or a registration an operator can fix; each retry is signed
 * afresh) and the "not yet" conflicts are; 400, 403, 404 and other 409s are final.
 */
export class CoordinatorError extends Error {
  override name = 'CoordinatorError';
  readonly status: number | null;
  /** The problem's `type` URN, e.g. `urn:vigil:problem:report-conflict`; null without one. */
  readonly type: string | null;
  /** The last segment of `type` (`report-conflict`), what callers compare against. */
  readonly slug: string | null;
  readonly retryable: boolean;
  /** From `Retry-After`, when the coordinator said how long to wait. */
  readonly retryAfterMs: number | null;
  readonly problem: Record<string, unknown> | null;

  constructor(
    message: string,
    {
      status = null,
      problem = null,
      retryAfterMs = null,
      cause,
    }: {
      status?: number | null;
      problem?: Record<string, unknown> | null;
      retryAfterMs?: number | null;
      cause?: unknown;
    } = {},
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.status = status;
    this.problem = problem;
    this.type = typeof problem?.['type'] === 'string' ? problem['type'] : null;
    this.slug = this.type === null ? null : (this.type.split(':').at(-1) ?? null);
    this.retryAfterMs = retryAfterMs;
    this.retryable =
      status === null ||
      status >= 500 ||
      status === 429 ||
      status === 408 ||
      status === 401 ||
      (status === 409 && this.slug !== null && RETRYABLE_CONFLICTS.has(this.slug));
  }
}

export interface CoordinatorClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (a trailing slash is fine). */
  baseUrl: string;
  /** The node this agent acts for: the key id of every signed request. */
  nodeId: string;
  privateKey: KeyObject;
  /** Whole-request timeout, answer body included. */
  requestTimeoutMs?: number;
  now?: () => number;
}

export interface Answer<T> {
  status: number;
  body: T;
}

export interface CoordinatorClient {
  readonly baseUrl: string;
  currentEpoch(): Promise<EpochView>;
  epoch(n: number): Promise<EpochView>;
  /** What this node audits in epoch n; 404 when it is not a member, 409 epoch-not-ready before the seed. */
  assignment(n: number, monitor: string): Promise<MonitorAssignment>;
  /** Sends an interim summary; `body` is sent byte for byte. */
  sendInterim(n: number, body: string): Promise<Answer<InterimReceipt>>;
  /** Sends a signed report; `body` is sent byte for byte, so a resend is the identical request body. */
  sendReport(n: number, body: string): Promise<Answer<ReportReceipt>>;
  /** `POST /nodes` with an API key (node or operator role); 200 and 201 both mean registered. */
  registerNode(apiKey: string, registration: NodeRegistration): Promise<Answer<unknown>>;
  /** Aborts calls in flight (they fail as retryable) and every later one: the agent is closing. */
  close(): void;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return null;
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The agent's side of the coordinator API. Calls made for the node are signed as the contract
 * says (method, path and query as sent, SHA-256 of the exact body bytes, timestamp, key id =
 * node id), freshly on every call, so a retry is never refused as a replay. Not on the probe
 * hot path, so plain fetch.
 */
export function createCoordinatorClient({
  baseUrl,
  nodeId,
  privateKey,
  requestTimeoutMs = 10_000,
  now = Date.now,
}: CoordinatorClientOptions): CoordinatorClient {
  const base = baseUrl.replace(/\/+$/, '');
  const closing = new AbortController();

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    { body, signed, bearer }: { body?: string; signed: boolean; bearer?: string },
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (bearer !== undefined) headers['authorization'] = `Bearer ${bearer}`;
    if (signed) {
      const bodySha256 = body === undefined ? EMPTY_SHA256 : sha256Hex(body);
      const timestampMs = Math.trunc(now());
      headers[REQUEST_SIGNATURE_HEADERS.keyId] = nodeId;
      headers[REQUEST_SIGNATURE_HEADERS.timestampMs] = String(timestampMs);
      headers[REQUEST_SIGNATURE_HEADERS.bodySha256] = bodySha256;
      headers[REQUEST_SIGNATURE_HEADERS.signature] = signRequest(
        { method, path, bodySha256, timestampMs, keyId: nodeId },
        privateKey,
      );
    }
    let response: Response;
    let answer: unknown;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.any([AbortSignal.timeout(requestTimeoutMs), closing.signal]),
      });
      answer = await readBody(response);
    } catch (cause) {
      const reason = closing.signal.aborted
        ? 'the agent is closing'
        : (cause as Error).name === 'TimeoutError'
          ? `no answer within ${requestTimeoutMs} ms`
          : (((cause as Error).cause as Error | undefined)?.message ?? (cause as Error).message);
      throw new CoordinatorError(`${method} ${path}: ${reason}`, { cause });
    }
    if (response.status >= 400) {
      const problem =
        typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : null;
      const detail = typeof problem?.['detail'] === 'string' ? `: ${problem['detail']}` : '';
      throw new CoordinatorError(`${method} ${path} answered ${response.status}${detail}`, {
        status: response.status,
        problem,
        retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), now()),
      });
    }
    return { status: response.status, body: answer as T };
  }

  const epochPath = (n: number) => `/epochs/${encodeURIComponent(String(n))}`;

  return {
    baseUrl: base,
    currentEpoch: async () => (await call<EpochView>('GET', '/epochs/current', { signed: false })).body,
    epoch: async (n) => (await call<EpochView>('GET', epochPath(n), { signed: false })).body,
    assignment: async (n, monitor) =>
      (
        await call<MonitorAssignment>(
          'GET',
          `${epochPath(n)}/assignments?monitor=${encodeURIComponent(monitor)}`,
          { signed: false },
        )
      ).body,
    sendInterim: (n, body) => call<InterimReceipt>('POST', `${epochPath(n)}/interim`, { body, signed: true }),
    sendReport: (n, body) => call<ReportReceipt>('POST', `${epochPath(n)}/reports`, { body, signed: true }),
    registerNode: (apiKey, registration) =>
      call('POST', '/nodes', { body: JSON.stringify(registration), signed: false, bearer: apiKey }),
    close: () => closing.abort(),
  };
}
