import { pathToFileURL } from 'node:url';
import { type AdapterOutcome, failed } from './adapter.ts';
import { jsonValueOutcome } from './json-output.ts';

// Loading a module adapter's export and turning one call into an outcome: the same steps
// whether the call runs in the worker's own thread or on a thread of its own.

export type Entry = (payload: unknown, context: { signal: AbortSignal }) => unknown;
export type Loaded = { ok: true; entry: Entry } | { ok: false; message: string };

/** A thrown error's own `code` is kept when it looks like one of ours (kebab-case). */
const OWN_CODE = /^[a-z][a-z0-9-]{0,63}$/;

/** Imports `file` and finds the function `exportName`; never rejects. */
export function loadEntry(file: string, exportName: string): Promise<Loaded> {
  return import(pathToFileURL(file).href).then(
    (mod: Record<string, unknown>): Loaded => {
      const entry = mod[exportName];
      if (typeof entry === 'function') return { ok: true, entry: entry as Entry };
      return { ok: false, message: `${file} has no function export "${exportName}" (found ${typeof entry})` };
    },
    (err: unknown): Loaded => ({
      ok: false,
      message: `cannot import ${file}: ${(err as Error)?.message ?? err}`,
    }),
  );
}

/** One call of a loaded export, as an outcome; never rejects. */
export async function callEntry(
  loaded: Loaded,
  input: unknown,
  signal: AbortSignal,
  source: string,
): Promise<AdapterOutcome> {
  if (!loaded.ok) return failed('load-failed', loaded.message, false);
  try {
    return jsonValueOutcome(await loaded.entry(input, { signal }), source);
  } catch (err) {
    return thrownOutcome(err);
  }
}

/** Retryable unless the error says `retryable: false`: a module knows when its input is bad. */
function thrownOutcome(err: unknown): AdapterOutcome {
  const fields = (typeof err === 'object' && err !== null ? err : {}) as {
    message?: unknown;
    code?: unknown;
    retryable?: unknown;
  };
  const message = typeof fields.message === 'string' ? fields.message : String(err);
  const code = typeof fields.code === 'string' && OWN_CODE.test(fields.code) ? fields.code : 'module-error';
  return failed(code, message, fields.retryable !== false);
}
