/** A value that has no RFC 8785 form; `path` names where it sits (`$.targets[2].mean_latency_ms`). */
export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.targets[2].mean_latency_ms` from the keys and indexes walked; built only when refusing. */
function pathOf(trail: readonly (string | number)[]): string {
  let path = '$';
  for (const step of trail) {
    if (typeof step === 'number') path += `[${step}]`;
    else path += IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  return path;
}

/** An indexed loop, not `every`, which skips holes that JSON.stringify would write as null. */
function allFiniteNumbers(array: readonly unknown[]): boolean {
  for (let i = 0; i < array.length; i++) if (!Number.isFinite(array[i])) return false;
  return true;
}

/**
 * One pass that checks and writes. For finite numbers and well-formed strings, RFC 8785's
 * serialization is exactly ECMAScript's JSON.stringify, and its member order is sorting by
 * UTF-16 code units, which is what Array#sort does to strings; so the only work left is
 * sorting members and refusing anything JSON would silently reshape (undefined members,
 * holes, NaN, class instances, toJSON). The `canonicalize` package is the oracle in tests;
 * this walk encodes a report with its sketches several times faster, which is most of the
 * time it takes to settle a 10,000-node epoch.
 */
function write(value: unknown, trail: (string | number)[], ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw new CanonicalJsonError(pathOf(trail), 'string holds a lone surrogate');
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(
          pathOf(trail),
          `${value} is not a finite number; JSON has no NaN or Infinity`,
        );
      }
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      throw new CanonicalJsonError(
        pathOf(trail),
        'undefined has no JSON form; use null or leave the member out',
      );
    case 'bigint':
      throw new CanonicalJsonError(
        pathOf(trail),
        'a bigint has no exact JSON number; write it as a decimal string',
      );
    case 'function':
    case 'symbol':
      throw new CanonicalJsonError(pathOf(trail), `a ${typeof value} has no JSON form`);
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ancestors.has(object)) throw new CanonicalJsonError(pathOf(trail), 'circular reference');
  ancestors.add(object);
  let out: string;
  if (Array.isArray(object)) {
    if (allFiniteNumbers(object)) {
      // Sketch counts are most of a report: one native call writes a finite-number array the same way.
      ancestors.delete(object);
      return JSON.stringify(object);
    }
    out = '[';
    for (let i = 0; i < object.length; i++) {
      if (i > 0) out += ',';
      trail.push(i);
      out += write(object[i], trail, ancestors);
      trail.pop();
    }
    out += ']';
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new CanonicalJsonError(
        pathOf(trail),
        `a ${kind} is not a plain object; convert it to plain data first`,
      );
    }
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      trail.push(key);
      if (!key.isWellFormed())
        throw new CanonicalJsonError(pathOf(trail), 'member name holds a lone surrogate');
      if (i > 0) out += ',';
      out += `${JSON.stringify(key)}:${write(record[key], trail, ancestors)}`;
      trail.pop();
    }
    out += '}';
  }
  ancestors.delete(object);
  return out;
}

/** RFC 8785 (JCS) text of plain JSON data; throws CanonicalJsonError for anything else. */
export function canonicalJson(value: unknown): string {
  return write(value, [], new Set());
}

/** The UTF-8 bytes of `canonicalJson(value)`: what gets signed and hashed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}
