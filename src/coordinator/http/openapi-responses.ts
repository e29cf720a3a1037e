import type { Access } from '../auth/plugin.ts';

// Every error the API sends is `application/problem+json` (http/problem.ts), and a client
// generated from /openapi.json parses only the statuses and media types the document declares.
// A route's schema declares what its feature can refuse (a 404 for an unknown node, a 409);
// the statuses the shared plumbing answers on any route are added here, from what the route
// is (its access, its method, its path), so no route can forget one (decision 0054).

type Operation = Record<string, unknown> & { responses?: Record<string, Response> };
type Response = { description?: string; content?: Record<string, unknown>; headers?: unknown };

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

/** The RFC 9457 body of every error, as a named schema so generated clients get one type. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details; `type` is urn:vigil:problem:<slug> (docs/api.md)',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    request_id: { type: 'string' },
    errors: {
      type: 'array',
      description: 'For an invalid request: where and what, one entry per issue',
      items: {
        type: 'object',
        properties: { location: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
  additionalProperties: true,
};

const WHY: Record<string, string> = {
  '400':
    'Invalid request: a malformed path, query or body, or a query parameter this operation does not take',
  '401': 'Missing, unknown or revoked credentials (a key sent to a public operation is checked too)',
  '403': 'The key’s role or scope may not do this',
  '404': 'Not found',
  '409': 'Conflicts with what is recorded, or not possible yet',
  '413': 'The body is larger than api.body_limit_bytes, or the batch is too large',
  '414': 'A path segment is longer than any identifier the API uses',
  '415': 'The body is not application/json',
  '422': 'Well formed, but names things that do not exist',
  '500': 'The coordinator failed; its log has the cause under the request id',
  '503': 'Closing, or the database cannot serve now; try again after Retry-After',
};

const BODY_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/** What a route is, as far as the shared plumbing is concerned. */
export interface RouteFacts {
  access: Access;
  /** Lower case, as OpenAPI keys operations. */
  method: string;
  path: string;
}

/** The statuses the plumbing can answer on this route, whatever its handler does. */
export function plumbingStatuses({ access, method, path }: RouteFacts): string[] {
  // 400: every route refuses unknown query parameters; 401: even a public route checks a key
  // sent to it; 500 and 503 (closing, store unavailable) can come from anywhere.
  const statuses = ['400', '401', '500', '503'];
  if (Array.isArray(access)) statuses.push('403');
  if (BODY_METHODS.has(method)) statuses.push('413', '415');
  if (path.includes('{')) statuses.push('414');
  return statuses;
}

/**
 * Adds the plumbing's statuses to the operation and declares every error response as the
 * problem it is, under its real media type.
 */
export function completeResponses(operation: Operation, facts: RouteFacts): void {
  operation.responses ??= {};
  const responses = operation.responses;
  for (const status of plumbingStatuses(facts)) responses[status] ??= {};
  declareConditionalGet(responses, facts.method);
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400) continue;
    const described = response.description !== undefined && response.description !== 'Default Response';
    responses[status] = {
      ...response,
      description: described ? response.description : (WHY[status] ?? 'Error'),
      content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_REF } },
      ...(status === '401'
        ? {
            headers: {
              'WWW-Authenticate': stringHeader(
                'How to authenticate: Bearer realm="vigil" for API keys, the signature scheme for node-signed calls',
              ),
            },
          }
        : {}),
      ...(status === '503' ? { headers: { 'Retry-After': stringHeader('Seconds to wait') } } : {}),
    };
  }
}

/**
 * A JSON read carries an ETag and answers 304 to a matching If-None-Match
 * (http/conditional-get.ts), so a generated client knows both.
 */
function declareConditionalGet(responses: Record<string, Response>, method: string): void {
  const ok = responses['200'];
  if (method !== 'get' || ok?.content?.['application/json'] === undefined) return;
  const etag = stringHeader(
    'The answer’s entity tag: send it back as If-None-Match to get a 304 while it is unchanged',
  );
  ok.headers = { ...(ok.headers as Record<string, unknown> | undefined), ETag: etag };
  responses['304'] ??= {
    description: 'Not modified: the answer still has the entity tag sent in If-None-Match (no body)',
    headers: { ETag: etag },
  };
}

function stringHeader(description: string) {
  return { description, schema: { type: 'string' } };
}
