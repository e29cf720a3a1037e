import fc from 'fast-check';
import { matching, Raw, type Schema, spoil, toJsonText } from './schema-values.ts';

// Generated bad requests for any operation of the OpenAPI document: wrong types, huge and deep
// values, non-finite and huge numbers, NUL and odd Unicode, bad path and query values. Each is
// a request a careless client or an attacker could send; none may get a 5xx.

export interface Operation {
  method: string;
  /** The OpenAPI path, e.g. `/nodes/{node_id}`. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Each parameter's schema, by name. */
  paramSchemas: Record<string, Schema>;
  bodySchema: Schema | undefined;
  /** Top-level body property names, when the body is an object. */
  bodyProperties: string[];
  hasBody: boolean;
}

export interface FuzzRequest {
  method: string;
  url: string;
  /** The exact body text, or none. */
  body?: string;
  contentType?: string;
}

type OpenApi = {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Array<{ name: string; in: string; schema?: Schema }>; requestBody?: unknown }
    >
  >;
};

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** The operations of an OpenAPI 3.1 document, with what each takes. */
export function operationsOf(doc: OpenApi): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const params = op.parameters ?? [];
      const schema = (
        op.requestBody as { content?: Record<string, { schema?: Record<string, unknown> }> } | undefined
      )?.content?.['application/json']?.schema;
      const properties = (schema?.['properties'] ?? {}) as Record<string, unknown>;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        paramSchemas: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
        bodySchema: schema,
        bodyProperties: Object.keys(properties),
        hasBody: op.requestBody !== undefined || method === 'post' || method === 'patch' || method === 'put',
      });
    }
  }
  return operations;
}

/** Strings that have broken servers: NUL, lone surrogates, huge, numeric-looking, path tricks. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\uD800',
    '😀'.repeat(40),
    'x'.repeat(5000),
    '../../etc/passwd',
    '%',
    '%ZZ',
    '%00',
    '-1',
    '0',
    '1e309',
    '99999999999999999999999',
    '9007199254740993',
    'NaN',
    'Infinity',
    'null',
    'true',
    '[]',
    '{}',
    ' ',
    '',
    'node-1',
    'sha256',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Numbers, spelled as JSON text so that non-finite and huge ones survive to the server. */
const weirdNumberText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e309',
    '-1e309',
    '9007199254740993',
    '18446744073709551616',
    '-0',
    '0.5',
    '1e-400',
    '2147483648',
    '-1',
  ),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
);

/** A JSON text: scalars, weird numbers and strings, arrays and objects, sometimes deep. */
const weirdJsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    weirdNumberText,
    weirdString.map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(weirdString, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).value;

/** A body for an operation: an object of its own fields with bad values, deep nesting, or not JSON. */
function bodyFor(op: Operation): fc.Arbitrary<{ body: string; contentType: string }> {
  const json = (text: fc.Arbitrary<string>) =>
    text.map((body) => ({ body, contentType: 'application/json' }));
  const fields =
    op.bodyProperties.length === 0
      ? weirdJsonText
      : fc
          .array(fc.tuple(fc.constantFrom(...op.bodyProperties, 'unknown_field'), weirdJsonText), {
            maxLength: 6,
          })
          .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`);
  return fc.oneof(
    json(fields),
    json(fields.map((f) => `[${f}]`)),
    json(fc.integer({ min: 300, max: 6000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`)),
    json(fc.constantFrom('', '{', '{"a":', 'nul', '"\\u0000"', '{"__proto__":{"x":1}}')),
    fc.record({
      body: weirdString,
      contentType: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded'),
    }),
  );
}

/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as a client would send it). */
function pct(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A path segment: percent-encoded, or sent raw (so `%` and `%ZZ` reach the router as they are). */
const pathValue: fc.Arbitrary<string> = fc.oneof(
  weirdString.map(pct),
  fc.constantFrom('%', '%ZZ', '%00', 'a%2Fb', '..', '.', '%2e%2e'),
  weirdNumberText,
);

const queryPart = (names: string[]) =>
  fc
    .array(fc.tuple(fc.constantFrom(...names, 'x', 'limit'), fc.oneof(weirdString, weirdNumberText)), {
      maxLength: 4,
    })
    .map((pairs) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&'));

/** A value to put where a valid one was: a number that overflows, an odd string, deep nesting, any JSON. */
const spoiler: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: weirdNumberText.map((t) => new Raw(t)), weight: 3 },
  {
    arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\u0000'.repeat(3), '\uD800', '😀'.repeat(40)),
    weight: 3,
  },
  { arbitrary: weirdString, weight: 2 },
  {
    arbitrary: fc
      .integer({ min: 300, max: 3000 })
      .map((depth) => new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
);

/**
 * A request the operation's schemas accept, then (mostly) spoilt in one place: a path value,
 * a query value or one leaf of the body. The rest being valid, the bad value gets past the
 * checks that look at the request as a whole and reaches what lies behind them.
 */
function nearlyValid(op: Operation): fc.Arbitrary<FuzzRequest> {
  const values = (names: string[]) =>
    fc.tuple(...names.map((n) => matching(op.paramSchemas[n]))).map((vs) => vs.map((v) => String(v)));
  return fc
    .record({
      params: op.pathParams.length === 0 ? fc.constant([] as string[]) : values(op.pathParams),
      query: fc
        .subarray(op.queryParams)
        .chain((names) =>
          names.length === 0
            ? fc.constant([] as Array<[string, string]>)
            : values(names).map((vs) => names.map((n, i) => [n, vs[i] ?? ''] as [string, string])),
        ),
      body: op.bodySchema === undefined ? fc.constant(undefined) : matching(op.bodySchema),
      where: fc.constantFrom('none', 'param', 'query', 'body', 'body', 'body', 'body'),
      pick: fc.nat(),
      spoilt: spoiler,
      spoiltText: weirdString,
    })
    .map(({ params, query, body, where, pick, spoilt, spoiltText }) => {
      const pathValues = [...params];
      if (where === 'param' && pathValues.length > 0) pathValues[pick % pathValues.length] = spoiltText;
      const pairs = [...query];
      if (where === 'query')
        pairs.push([pairs[pick % Math.max(pairs.length, 1)]?.[0] ?? op.queryParams[0] ?? 'x', spoiltText]);
      let path = op.path;
      op.pathParams.forEach((name, i) => {
        path = path.replace(`{${name}}`, pct(pathValues[i] ?? ''));
      });
      const q = pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
      const finalBody = body === undefined ? undefined : where === 'body' ? spoil(body, pick, spoilt) : body;
      return {
        method: op.method,
        url: q === '' ? path : `${path}?${q}`,
        ...(finalBody === undefined ? {} : { body: toJsonText(finalBody), contentType: 'application/json' }),
      };
    });
}

/** Any bad request for one of the operations: nearly valid ones and outright garbage. */
export function badRequest(operations: readonly Operation[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .constantFrom(...operations)
    .chain((op) =>
      fc.oneof({ arbitrary: nearlyValid(op), weight: 3 }, { arbitrary: garbage(op), weight: 1 }),
    );
}

/** A request of wrong types and shapes throughout. */
function garbage(op: Operation): fc.Arbitrary<FuzzRequest> {
  return fc.constant(op).chain((op) =>
    fc
      .record({
        params: fc.array(pathValue, { minLength: op.pathParams.length, maxLength: op.pathParams.length }),
        query: queryPart(op.queryParams),
        body: op.hasBody ? fc.option(bodyFor(op), { nil: undefined, freq: 8 }) : fc.constant(undefined),
      })
      .map(({ params, query, body }) => {
        let path = op.path;
        op.pathParams.forEach((name, i) => {
          path = path.replace(`{${name}}`, params[i] ?? '');
        });
        return {
          method: op.method,
          url: query === '' ? path : `${path}?${query}`,
          ...(body === undefined ? {} : { body: body.body, contentType: body.contentType }),
        };
      }),
  );
}
