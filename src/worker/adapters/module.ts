import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterSpec } from '../../core/work/topic.ts';
import { type Adapter, type AdapterOutcome, cancelledOutcome, failed, timeoutOutcome } from './adapter.ts';
import { openAttemptWindow } from './attempt.ts';
import { jsonValueOutcome } from './json-output.ts';

export type ModuleAdapterSpec = Extract<AdapterSpec, { kind: 'module' }>;

type Entry = (payload: unknown, context: { signal: AbortSignal }) => unknown;
type Loaded = { ok: true; entry: Entry } | { ok: false; message: string };

/** A thrown error's own `code` is kept when it looks like one of ours (kebab-case). */
const OWN_CODE = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * Calls an export of an ES module in the worker's own process: `(payload, { signal }) → result`.
 * The module is imported at the first run. A function cannot be killed: on timeout or
 * cancellation the run ends and the signal aborts, but the call keeps going unless it listens
 * to the signal (decision 0021).
 */
export function createModuleAdapter(spec: ModuleAdapterSpec, { baseDir }: { baseDir: string }): Adapter {
  const file = resolve(baseDir, spec.path);
  let loading: Promise<Loaded> | undefined;

  const load = (): Promise<Loaded> =>
    import(pathToFileURL(file).href).then(
      (mod: Record<string, unknown>): Loaded => {
        const entry = mod[spec.export];
        if (typeof entry === 'function') return { ok: true, entry: entry as Entry };
        return {
          ok: false,
          message: `${file} has no function export "${spec.export}" (found ${typeof entry})`,
        };
      },
      (err: unknown): Loaded => ({
        ok: false,
        message: `cannot import ${file}: ${(err as Error)?.message ?? err}`,
      }),
    );

  async function runOnce(input: unknown, signal: AbortSignal, timeoutMs: number): Promise<AdapterOutcome> {
    const window = openAttemptWindow(signal, timeoutMs);
    try {
      const stopped = new Promise<AdapterOutcome>((settle) => {
        const onStop = () =>
          settle(
            window.stopReason() === 'cancelled'
              ? cancelledOutcome('module')
              : timeoutOutcome('module', timeoutMs, ' (the call may still be running)'),
          );
        if (window.signal.aborted) onStop();
        else window.signal.addEventListener('abort', onStop, { once: true });
      });
      // Loading counts against the attempt too: a module whose top level hangs times out.
      const called = (async (): Promise<AdapterOutcome> => {
        loading ??= load();
        const loaded = await loading;
        if (!loaded.ok) return failed('load-failed', loaded.message, false);
        if (window.signal.aborted) return stopped;
        try {
          const value = await loaded.entry(input, { signal: window.signal });
          return jsonValueOutcome(value, `${spec.export} of ${spec.path}`);
        } catch (err) {
          return thrownOutcome(err);
        }
      })();
      return await Promise.race([called, stopped]);
    } finally {
      window.dispose();
    }
  }

  return {
    kind: 'module',
    run(input, { signal, timeoutMs }) {
      if (signal.aborted) return Promise.resolve(cancelledOutcome('module'));
      return runOnce(input, signal, timeoutMs);
    },
    async close() {},
  };
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
