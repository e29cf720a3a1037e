import { z } from 'zod';
import { configSchema } from './schema.ts';

// Sources that carry only strings (environment variables, command-line flags) need to know
// which keys exist and what type each expects. Reading that from the schema itself keeps
// one definition of the configuration instead of a second hand-written list.

/** What a string from the environment or a flag has to become for the key it sets. */
export type ValueKind = 'number' | 'boolean' | 'string' | 'array' | 'object';

export interface ConfigKey {
  /** Path segments, e.g. `['sla', 'thresholds', 'uptime_pct']`. */
  path: string[];
  schema: z.ZodType;
}

/** Strips the wrappers that only add a default or allow null, to reach what the value is. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let inner: z.ZodType = schema;
  while (
    inner instanceof z.ZodDefault ||
    inner instanceof z.ZodPrefault ||
    inner instanceof z.ZodOptional ||
    inner instanceof z.ZodNullable
  ) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrap(schema);
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined;
}

export function kindOf(schema: z.ZodType): ValueKind {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodArray) return 'array';
  if (inner instanceof z.ZodObject || inner instanceof z.ZodRecord) return 'object';
  return 'string';
}

/** The schema of the key at `path` (a leaf or a section), or undefined when there is no such key. */
export function schemaAt(path: readonly string[]): z.ZodType | undefined {
  let schema: z.ZodType = configSchema;
  for (const segment of path) {
    const shape = objectShape(schema);
    if (!shape || !Object.hasOwn(shape, segment)) return undefined;
    schema = shape[segment]!;
  }
  return schema;
}

/** The names one level below `path`, for suggestions when a key is misspelt. */
export function childKeys(path: readonly (string | number)[]): string[] {
  if (path.some((segment) => typeof segment === 'number')) return [];
  const schema = schemaAt(path as string[]);
  const shape = schema && objectShape(schema);
  return shape ? Object.keys(shape) : [];
}

/** Every settable leaf (anything that is not a section), in declaration order. */
export function leafKeys(schema: z.ZodType = configSchema, prefix: string[] = []): ConfigKey[] {
  const shape = objectShape(schema);
  if (!shape) return [{ path: prefix, schema }];
  return Object.entries(shape).flatMap(([name, child]) => leafKeys(child, [...prefix, name]));
}

/** Every key, sections included: a section can be set as a whole from a JSON object. */
export function allKeys(schema: z.ZodType = configSchema, prefix: string[] = []): ConfigKey[] {
  const shape = objectShape(schema);
  const self = prefix.length > 0 ? [{ path: prefix, schema }] : [];
  if (!shape) return self;
  return [...self, ...Object.entries(shape).flatMap(([name, child]) => allKeys(child, [...prefix, name]))];
}

export function dottedKey(path: readonly (string | number)[]): string {
  return path.join('.');
}

/** `['sla', 'slice_s']` → `VIGIL_SLA__SLICE_S`: segments upper-cased and joined by a double underscore. */
export function envNameOf(path: readonly string[]): string {
  return `VIGIL_${path.map((segment) => segment.toUpperCase()).join('__')}`;
}
