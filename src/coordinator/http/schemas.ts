import { type TSchema, type TUnsafe, Type } from 'typebox';

/** Shapes shared by several routes. JSON is snake_case; times go out as RFC 3339 strings. */
export const NodeId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
  description: 'Letters, digits and . _ : -, starting with a letter or digit, at most 128 characters',
});

/** A worker's id: node-scoped ids hold `/` (send it as %2F in a path). */
export const WorkerId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$',
  description: 'Letters, digits and . _ : / -, starting with a letter or digit, at most 128 characters',
});

export const Timestamp = Type.Union([
  Type.String({ format: 'date-time', description: 'RFC 3339' }),
  Type.Integer({ minimum: 0, description: 'epoch milliseconds' }),
]);

export const NullableString = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);

/** `t`, or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Iso = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.String(),
    request_id: Type.String(),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const Hours = Type.Integer({ minimum: 1, maximum: 24 * 400, default: 24 });
export const Limit = (max: number, dflt: number) => Type.Integer({ minimum: 1, maximum: max, default: dflt });

export const problemResponses = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
};

/** A string from a fixed list, as a JSON Schema `enum`: errors then name the allowed values. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  description?: string,
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({
    type: 'string',
    enum: [...values],
    ...(description ? { description } : {}),
  });
}
