// JSON Schema 2020-12, the dialect of OpenAPI 3.1: what /openapi.json says is what is checked.
import { Ajv2020 as Ajv } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under Node's ESM loader its function sits on `default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

/**
 * Two validators: bodies are validated exactly as sent (a string where a number belongs is an
 * error, unknown fields are errors, nothing is silently dropped), while query strings and
 * path parameters, which are always text, are coerced to the types their schemas name.
 */
type Validate = ReturnType<FastifySchemaCompiler<unknown>>;

/**
 * Compiled validators, shared by every app of the process and keyed by the schema's text and
 * how it is read: compiling the API's schemas costs a few hundred ms of CPU, which a process
 * that builds many apps (the test suite, the fuzz run, benchmarks) should pay once. A compiled
 * validator is a pure function of its schema, so sharing one is safe.
 */
const compiled = new Map<string, Validate>();
let instances: { strict: Ajv; coercing: Ajv } | undefined;

function ajvs(): { strict: Ajv; coercing: Ajv } {
  if (instances !== undefined) return instances;
  const strict = new Ajv({
    allErrors: true,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  const coercing = new Ajv({
    allErrors: true,
    coerceTypes: 'array',
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  for (const ajv of [strict, coercing]) addFormats(ajv);
  instances = { strict, coercing };
  return instances;
}

/**
 * Two validators: bodies are validated exactly as sent (a string where a number belongs is an
 * error, unknown fields are errors, nothing is silently dropped), while query strings and
 * path parameters, which are always text, are coerced to the types their schemas name.
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  return ({ schema: declared, httpPart }) => {
    const key = `${httpPart === 'body' ? 'strict' : 'coercing'}\u0000${JSON.stringify(declared)}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      validate = compile(declared, httpPart === 'body' ? ajvs().strict : ajvs().coercing);
      compiled.set(key, validate);
    }
    return validate;
  };
}

function compile(declared: unknown, ajv: Ajv): Validate {
  if ((declared as Record<string, unknown>)[CHECKED_BY_HANDLER] === true) {
    return (() => true) as unknown as Validate;
  }
  const schema = storable(declared);
  const branches = itemOrArrayBranches(schema);
  if (branches !== null) {
    // "One item or an array of items": validate against the branch the body's shape picks,
    // so a bad field is reported once, not drowned in "must be array" from the other branch.
    const single = ajv.compile(branches[0]);
    const many = ajv.compile(branches[1]);
    const validator = ((data: unknown) => {
      const validate = Array.isArray(data) ? many : single;
      const ok = validate(data);
      validator.errors = validate.errors;
      return ok;
    }) as ((data: unknown) => boolean) & { errors?: unknown };
    return validator as unknown as Validate;
  }
  return ajv.compile(schema as object) as Validate;
}

/**
 * Marks a schema that describes a body the route checks itself, with a validator of its own
 * that says more than JSON Schema can (a signed report: digests, sorted targets, sketches).
 * The schema is still the API description's; ajv does not check it a second time.
 */
export const CHECKED_BY_HANDLER = 'x-vigil-checked-by-handler';

type JsonSchema = { anyOf?: JsonSchema[]; type?: string; items?: JsonSchema } & Record<string, unknown>;

/** The pattern every string gets unless its schema already restricts it: no NUL (U+0000). */
export const NO_NUL_PATTERN = '^[^\\u0000]*$';

/**
 * A schema narrowed to what every store can hold, whatever the route declared: strings
 * without NUL (PostgreSQL text refuses it, SQLite would keep it: the same request must get the
 * same answer on both), integers that are safe integers, numbers that are finite. A bound the
 * route declared is kept; opaque values (a job's payload, a result) have no type and are left
 * alone: they are stored as JSON text, where a NUL is escaped.
 */
function storable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(storable);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // Values, not subschemas: leave them as written.
    out[key] =
      key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : storable(value);
  }
  const types = Array.isArray(out['type']) ? (out['type'] as unknown[]) : [out['type']];
  if (
    types.includes('string') &&
    out['pattern'] === undefined &&
    out['enum'] === undefined &&
    out['format'] === undefined
  ) {
    out['pattern'] = NO_NUL_PATTERN;
  }
  if (types.includes('integer')) {
    out['maximum'] ??= Number.MAX_SAFE_INTEGER;
    out['minimum'] ??= Number.MIN_SAFE_INTEGER;
  } else if (types.includes('number')) {
    out['maximum'] ??= Number.MAX_VALUE;
    out['minimum'] ??= -Number.MAX_VALUE;
  }
  return out;
}

/** [item, array of items] when the schema is exactly "one item or an array of them", else null. */
function itemOrArrayBranches(schema: unknown): [JsonSchema, JsonSchema] | null {
  const anyOf = (schema as JsonSchema).anyOf;
  if (anyOf?.length !== 2) return null;
  const many = anyOf.find((b) => b.type === 'array');
  const single = anyOf.find((b) => b !== many);
  if (many === undefined || single === undefined) return null;
  return JSON.stringify(many.items) === JSON.stringify(single) ? [single, many] : null;
}
