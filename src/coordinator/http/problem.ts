import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../platform/log.ts';
import { DomainError, type DomainErrorKind, STORE_RETRY_AFTER_S } from '../errors.ts';
import { NO_NUL_PATTERN } from './validation.ts';

/**
 * An RFC 9457 problem. Every error the API returns is one of these, with a `detail` a person
 * can act on. `type` is a URN naming the class of problem (listed in docs/api.md).
 */
export class ProblemError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly extras: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    slug: string,
    title: string,
    detail: string,
    {
      extras = {},
      headers = {},
    }: { extras?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = status;
    this.type = `urn:vigil:problem:${slug}`;
    this.title = title;
    this.extras = extras;
    this.headers = headers;
  }
}

/** The one place a domain refusal becomes an HTTP status. */
const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  'not-permitted': 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  unprocessable: 422,
  unavailable: 503,
};

/** A domain refusal as the problem the API answers with. */
export function problemOf(error: DomainError): ProblemError {
  return new ProblemError(STATUS_OF[error.kind], error.slug, error.title, error.message, {
    extras: error.extras,
    headers: error.retryAfterS === null ? {} : { 'Retry-After': String(error.retryAfterS) },
  });
}

function send(reply: FastifyReply, request: FastifyRequest, p: ProblemError): FastifyReply {
  for (const [k, v] of Object.entries(p.headers)) reply.header(k, v);
  return reply
    .status(p.status)
    .type('application/problem+json')
    .send({
      type: p.type,
      title: p.title,
      status: p.status,
      detail: p.message,
      instance: request.url,
      request_id: request.id,
      ...p.extras,
    });
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function describeIssue(context: string, issue: ValidationIssue): { location: string; message: string } {
  // JSON pointer to a readable path: /outcomes/0/status → outcomes[0].status
  const path = (issue.instancePath ?? '')
    .split('/')
    .slice(1)
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('')
    .replace(/^\./, '');
  let message = issue.message ?? 'is invalid';
  if (issue.keyword === 'additionalProperties')
    message = `has an unknown field "${String(issue.params?.additionalProperty)}"`;
  if (issue.keyword === 'enum') {
    const allowed = (issue.params?.allowedValues as unknown[] | undefined) ?? [];
    message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.keyword === 'required')
    message = `is missing the required field "${String(issue.params?.missingProperty)}"`;
  if (issue.keyword === 'pattern' && issue.params?.['pattern'] === NO_NUL_PATTERN)
    message = 'must not contain a NUL character (U+0000)';
  return {
    location: path === '' ? context : path.startsWith('[') ? `${context}${path}` : `${context}.${path}`,
    message,
  };
}

/** Turns whatever a handler or Fastify threw into problem+json; only the unexpected is a 500. */
export function problemErrorHandler(
  log: Logger,
  {
    bodyLimitBytes,
    storeUnavailable = () => false,
  }: {
    bodyLimitBytes: number;
    /** Whether an error says the store cannot serve now; it is then noted and answered 503. */
    storeUnavailable?: (error: unknown) => boolean;
  },
) {
  return function handleError(
    error: FastifyError | ProblemError | DomainError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    if (error instanceof ProblemError) return send(reply, request, error);
    if (error instanceof DomainError) return send(reply, request, problemOf(error));
    const fe = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
    if (fe.validation) {
      const errors = fe.validation.map((i) => describeIssue(fe.validationContext ?? 'body', i));
      const detail = errors.map((e) => `${e.location} ${e.message}`).join('; ');
      return send(
        reply,
        request,
        new ProblemError(400, 'invalid-request', 'Invalid request', detail, { extras: { errors } }),
      );
    }
    const status = fe.statusCode ?? 500;
    if (status === 413) {
      return send(
        reply,
        request,
        new ProblemError(
          413,
          'payload-too-large',
          'Payload too large',
          `the request body is larger than this coordinator accepts (${bodyLimitBytes} bytes, api.body_limit_bytes); send smaller batches`,
        ),
      );
    }
    if (status === 415) {
      return send(
        reply,
        request,
        new ProblemError(
          415,
          'unsupported-media-type',
          'Unsupported media type',
          `${fe.message}; send application/json`,
        ),
      );
    }
    if (status >= 400 && status < 500) {
      const slug =
        fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || /JSON/i.test(fe.message)
          ? 'malformed-json'
          : 'invalid-request';
      return send(reply, request, new ProblemError(status, slug, 'Invalid request', fe.message));
    }
    if (storeUnavailable(error)) {
      // Not a bug in the request: the client may send it again, and it will be taken once the
      // store is back. The cause goes to the log as the store gave it.
      log.warn(
        { err: error, request_id: request.id, url: request.url },
        'the store cannot serve this request now',
      );
      return send(
        reply,
        request,
        new ProblemError(
          503,
          'store-unavailable',
          'Store unavailable',
          `the coordinator cannot reach or write its database right now; try again in ${STORE_RETRY_AFTER_S} s`,
          { headers: { 'Retry-After': String(STORE_RETRY_AFTER_S) } },
        ),
      );
    }
    log.error({ err: error, request_id: request.id, url: request.url }, 'unhandled error');
    return send(
      reply,
      request,
      new ProblemError(
        500,
        'internal',
        'Internal error',
        `the coordinator failed to handle this request; its log has the cause under request id ${request.id}`,
      ),
    );
  };
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return send(
    reply,
    request,
    new ProblemError(
      404,
      'not-found',
      'Not found',
      `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`,
    ),
  );
}

/**
 * Errors Fastify raises before a route is found (a `%` that starts no percent-encoded byte, a
 * path parameter longer than the router takes), answered as problems like every other error.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0] ?? request.url;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return send(
      reply,
      request,
      new ProblemError(
        414,
        'uri-too-long',
        'URI too long',
        'a path segment is longer than any identifier this API uses',
      ),
    );
  }
  const detail =
    error.code === 'FST_ERR_BAD_URL'
      ? `the path ${JSON.stringify(path.slice(0, 200))} is not a valid URL: a % must start a percent-encoded byte such as %2F`
      : error.message;
  return send(reply, request, new ProblemError(400, 'invalid-request', 'Invalid request', detail));
}
