import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModuleAdapterSpec } from '../../core/work/topic.ts';
import { type Adapter, type AdapterOutcome, cancelledOutcome, failed, timeoutOutcome } from './adapter.ts';
import { openAttemptWindow } from './attempt.ts';

export type { ModuleAdapterSpec };

// Sources run as TypeScript (type stripping) and build to JavaScript: start whichever this is.
const THREAD_URL = new URL(
  import.meta.url.endsWith('.ts') ? './module-thread.ts' : './module-thread.js',
  import.meta.url,
);

/**
 * Calls an export of an ES module: `(payload, { signal }) → result`, each call on a worker
 * thread (threads are kept for the next call), so a call that times out or is cancelled is
 * really stopped: its thread is terminated and replaced, and it holds no CPU or memory after
 * its job failed. A thread costs about 20 µs a call over calling the function in the worker's
 * own thread, and lets CPU-bound calls of one worker run in parallel (decision 0050).
 */
export function createModuleAdapter(spec: ModuleAdapterSpec, { baseDir }: { baseDir: string }): Adapter {
  const threads = new ModuleThreads(
    resolve(baseDir, spec.path),
    spec.export,
    `${spec.export} of ${spec.path}`,
  );
  return {
    kind: 'module',
    run: (input, { signal, timeoutMs }) => threads.run(input, signal, timeoutMs),
    close: () => threads.close(),
  };
}

/** Threads that each import the module once and run one call at a time. */
class ModuleThreads {
  readonly #idle: Worker[] = [];
  readonly #busy = new Set<Worker>();
  readonly #workerData: { file: string; exportName: string; source: string };

  constructor(file: string, exportName: string, source: string) {
    this.#workerData = { file, exportName, source };
  }

  /** One attempt: answered at once when its window closes, the thread running it stopped. */
  async run(input: unknown, signal: AbortSignal, timeoutMs: number): Promise<AdapterOutcome> {
    if (signal.aborted) return cancelledOutcome('module');
    const window = openAttemptWindow(signal, timeoutMs);
    try {
      const gaveUp = new Promise<AdapterOutcome>((settle) => {
        const onStop = () =>
          settle(
            window.stopReason() === 'cancelled'
              ? cancelledOutcome('module')
              : timeoutOutcome('module', timeoutMs, ' (its thread was stopped)'),
          );
        if (window.signal.aborted) onStop();
        else window.signal.addEventListener('abort', onStop, { once: true });
      });
      // Starting the thread and loading the module count against the attempt too.
      const thread = this.#idle.pop() ?? new Worker(THREAD_URL, { workerData: this.#workerData });
      return await Promise.race([this.#callOn(thread, input, window.signal), gaveUp]);
    } finally {
      window.dispose();
    }
  }

  async #callOn(thread: Worker, input: unknown, signal: AbortSignal): Promise<AdapterOutcome> {
    this.#busy.add(thread);
    const stop = () => {
      this.#busy.delete(thread);
      void thread.terminate();
    };
    signal.addEventListener('abort', stop, { once: true });
    let lost = false;
    const outcome = await new Promise<AdapterOutcome>((settle) => {
      thread.once('message', settle);
      thread.once('error', (err) => {
        lost = true;
        settle(failed('module-error', `the module's thread failed: ${err.message}`, true));
      });
      thread.once('exit', (code) => {
        lost = true;
        settle(failed('module-error', `the module's thread exited (code ${code}) before answering`, true));
      });
      thread.postMessage({ kind: 'run', input });
    });
    signal.removeEventListener('abort', stop);
    thread.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
    this.#busy.delete(thread);
    if (lost || signal.aborted) void thread.terminate();
    else this.#idle.push(thread);
    return outcome;
  }

  async close(): Promise<void> {
    const all = [...this.#idle.splice(0), ...this.#busy];
    this.#busy.clear();
    await Promise.all(all.map((t) => t.terminate()));
  }
}
