import fc from 'fast-check';

// Values that match a JSON Schema of the subset the API's TypeBox schemas use, so the fuzz can
// start from a request the coordinator accepts and spoil one part of it: a bad value then
// reaches the code behind validation (the store, the services), where the surprises are.

export type Schema = Record<string, unknown>;

/** A JSON text standing for one value, kept as written (so `1e309` survives). */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** A JSON value, some of whose leaves may be Raw texts, as the text a client would send. */
export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const ISO = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
  .map((ms) => new Date(ms).toISOString());

/** Values that satisfy `schema` (or come close: a pattern's own limits are the schema's). */
export function matching(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema['const']);
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]));
  const union = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
  if (union !== undefined) return fc.oneof(...union.map((s) => matching(s, depth + 1)));
  const type = Array.isArray(schema['type'])
    ? (schema['type'] as string[])[0]
    : (schema['type'] as string | undefined);
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({
        min: Math.max(Number(schema['minimum'] ?? 0), -1_000_000),
        max: Math.min(Number(schema['maximum'] ?? 1_000_000), 1_000_000),
      });
    case 'number':
      return fc.double({
        min: Math.max(Number(schema['minimum'] ?? 0), -1e6),
        max: Math.min(Number(schema['maximum'] ?? 1e6), 1e6),
        noNaN: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      // A 2020-12 tuple: each position its own schema, nothing after them.
      const tuple = schema['prefixItems'] as Schema[] | undefined;
      if (tuple !== undefined) return fc.tuple(...tuple.map((s) => matching(s, depth + 1)));
      const min = Number(schema['minItems'] ?? 0);
      const max = Math.min(Number(schema['maxItems'] ?? 3), min + 3);
      return fc.array(matching(schema['items'] as Schema | undefined, depth + 1), {
        minLength: min,
        maxLength: max,
      });
    }
    case 'object':
      return objectOf(schema, depth);
    default:
      // No type: an opaque JSON value (a payload, a result).
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const min = Number(schema['minLength'] ?? 0);
  const max = Math.min(Number(schema['maxLength'] ?? 40), 40);
  if (schema['format'] === 'date-time') return ISO;
  if (typeof schema['format'] === 'string' && String(schema['format']).startsWith('uri'))
    return fc.constantFrom('http://127.0.0.1:9/x', 'https://example.invalid/');
  if (typeof schema['pattern'] === 'string') {
    return fc
      .stringMatching(new RegExp(schema['pattern'] as string))
      .filter((s) => s.length >= min && s.length <= Math.max(max, min));
  }
  return fc.string({ minLength: min, maxLength: Math.max(max, min) });
}

function objectOf(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
  const required = new Set((schema['required'] ?? []) as string[]);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(properties)) model[name] = matching(sub, depth + 1);
  const optional = Object.keys(properties).filter((k) => !required.has(k));
  return fc.record(model, { requiredKeys: [...required].filter((k) => k in model) }).map((value) => {
    // fc.record may leave out optional keys; keep that variety.
    void optional;
    return value;
  });
}

/** The path to every leaf of a JSON value (object keys and array indexes). */
function leaves(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.length === 0 ? [at] : value.flatMap((v, i) => leaves(v, [...at, i]));
  if (value !== null && typeof value === 'object' && !(value instanceof Raw)) {
    const entries = Object.entries(value);
    return entries.length === 0 ? [at] : entries.flatMap(([k, v]) => leaves(v, [...at, k]));
  }
  return [at];
}

/** `value` with the leaf chosen by `pick` replaced by `replacement`. */
export function spoil(value: unknown, pick: number, replacement: unknown): unknown {
  const paths = leaves(value);
  const path = paths[pick % paths.length] ?? [];
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = replacement;
  return copy;
}
