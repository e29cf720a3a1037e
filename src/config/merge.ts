/** One source's contribution: a partial configuration and where it came from, for error messages. */
export interface Layer {
  /** Shown in errors after "from", e.g. `env VIGIL_PORT`, `file ./vigil.yaml`, `flag port`. */
  origin: string;
  data: Record<string, unknown>;
}

export interface Merged {
  input: Record<string, unknown>;
  /** Dotted path → the origin of the value set there; see `originOf`. */
  origins: Map<string, string>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Keys come from files and environment variables, so '__proto__' is ordinary data here:
// define it as an own property (validation then rejects it as an unknown key) instead of
// letting an assignment replace the object's prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (!isPlainObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) setOwn(result, key, copy(item));
  return result;
}

/** `(['a', 'b'], 1)` → `{ a: { b: 1 } }`. */
export function nestAt(path: readonly string[], value: unknown): Record<string, unknown> {
  let nested: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const level: Record<string, unknown> = {};
    setOwn(level, path[i]!, nested);
    nested = level;
  }
  return nested as Record<string, unknown>;
}

function mergeInto(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
  origin: string,
  path: string,
  origins: Map<string, string>,
): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const at = path === '' ? key : `${path}.${key}`;
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeInto(current, value, origin, at, origins);
      continue;
    }
    // Anything that is not an object meeting an object replaces what was there, arrays
    // included: a list is one setting, and merging lists item by item surprises everyone.
    for (const key of origins.keys()) if (key.startsWith(`${at}.`)) origins.delete(key);
    if (isPlainObject(value)) {
      // Only the keys this section sets get this origin; the others are still defaults.
      origins.delete(at);
      const fresh: Record<string, unknown> = {};
      setOwn(target, key, fresh);
      mergeInto(fresh, value, origin, at, origins);
    } else {
      origins.set(at, origin);
      setOwn(target, key, copy(value));
    }
  }
}

/** Merges layers deeply, later layers winning; the layers themselves are left untouched. */
export function mergeLayers(layers: readonly Layer[]): Merged {
  const input: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const layer of layers) mergeInto(input, layer.data, layer.origin, '', origins);
  return { input, origins };
}

/** Where the value at `path` came from: the origin of the nearest enclosing value that was set. */
export function originOf(origins: ReadonlyMap<string, string>, path: readonly (string | number)[]): string {
  for (let length = path.length; length > 0; length--) {
    const origin = origins.get(path.slice(0, length).join('.'));
    if (origin !== undefined) return origin;
  }
  return 'default';
}

/** The value at `path` inside `input`, or undefined. */
export function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
