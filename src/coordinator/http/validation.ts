import { Ajv } from 'ajv';
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
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
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
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
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
      return validator as unknown as ReturnType<FastifySchemaCompiler<unknown>>;
    }
    return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}

type JsonSchema = { anyOf?: JsonSchema[]; type?: string; items?: JsonSchema } & Record<string, unknown>;

/** [item, array of items] when the schema is exactly "one item or an array of them", else null. */
function itemOrArrayBranches(schema: unknown): [JsonSchema, JsonSchema] | null {
  const anyOf = (schema as JsonSchema).anyOf;
  if (anyOf?.length !== 2) return null;
  const many = anyOf.find((b) => b.type === 'array');
  const single = anyOf.find((b) => b !== many);
  if (many === undefined || single === undefined) return null;
  return JSON.stringify(many.items) === JSON.stringify(single) ? [single, many] : null;
}
