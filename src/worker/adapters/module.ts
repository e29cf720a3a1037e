import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModuleAdapterSpec } from '../../core/work/topic.ts';
import { type Adapter, type AdapterOutcome, cancelledOutcome, failed, timeoutOutcome } from './adapter.ts';
import { openAttemptWindow } from './attempt.ts';

export type { ModuleAdapterSpec };

/**
 * How long a stopped call's thread may run on after its signal aborted, to let the module
 * cancel what it started elsewhere (a request, a child process), before it is terminated.
 * The call's outcome does not wait for it.
 */
export const ABORT_GRACE_MS = 250;

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
  readonly #stopping = new Set<Worker>();
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
      const thread = this.#idle.pop() ?? this.#startThread();
      return await Promise.race([this.#callOn(thread, input, window.signal), gaveUp]);
    } finally {
      window.dispose();
    }
  }

  async #callOn(thread: Worker, input: unknown, signal: AbortSignal): Promise<AdapterOutcome> {
    this.#busy.add(thread);
    const stop = () => this.#stopPolitely(thread);
    signal.addEventListener('abort', stop, { once: true });
    let lost = false;
    let onMessage!: (outcome: AdapterOutcome) => void;
    let onError!: (err: Error) => void;
    let onExit!: (code: number) => void;
    const outcome = await new Promise<AdapterOutcome>((settle) => {
      onMessage = settle;
      onError = (err) => {
        lost = true;
        settle(failed('module-error', `the module's thread failed: ${err.message}`, true));
      };
      onExit = (code) => {
        lost = true;
        settle(failed('module-error', `the module's thread exited (code ${code}) before answering`, true));
      };
      thread.once('message', onMessage).once('error', onError).once('exit', onExit);
      thread.postMessage({ kind: 'run', input });
    });
    signal.removeEventListener('abort', stop);
    thread.off('message', onMessage).off('error', onError).off('exit', onExit);
    this.#busy.delete(thread);
    if (lost) void thread.terminate();
    else if (!signal.aborted) this.#idle.push(thread);
    // An aborted call's thread is already stopping, and is not reused.
    return outcome;
  }

  #startThread(): Worker {
    const thread = new Worker(THREAD_URL, { workerData: this.#workerData });
    // A thread may fail or exit between calls (a timer of the module's that throws): it is
    // dropped then, and the failure never reaches the worker's own thread as an unhandled
    // 'error' event. A call in flight hears of it through its own listeners.
    thread.on('error', () => {});
    thread.once('exit', () => {
      const idle = this.#idle.indexOf(thread);
      if (idle >= 0) this.#idle.splice(idle, 1);
    });
    return thread;
  }

  /** Aborts the call's signal in its thread, then terminates the thread after a grace period. */
  #stopPolitely(thread: Worker): void {
    this.#busy.delete(thread);
    this.#stopping.add(thread);
    thread.postMessage({ kind: 'abort' });
    const timer = setTimeout(() => void thread.terminate(), ABORT_GRACE_MS);
    timer.unref();
    thread.once('exit', () => {
      clearTimeout(timer);
      this.#stopping.delete(thread);
    });
  }

  /** Stops every thread; those already stopping get the rest of their grace first. */
  async close(): Promise<void> {
    const stopping = [...this.#stopping].map(
      (t) => new Promise<void>((done) => t.once('exit', () => done())),
    );
    const all = [...this.#idle.splice(0), ...this.#busy];
    this.#busy.clear();
    await Promise.all([...all.map((t) => t.terminate()), ...stopping]);
  }
}
