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

/**
 * How long a thread may wait idle for its next call before it is stopped. A thread holds
 * about 10 MB (its own V8 heap and the module); a worker between bursts gives that back, and
 * the next call starts a thread again (a few ms, plus the module's own import).
 */
export const IDLE_THREAD_MS = 30_000;

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
export function createModuleAdapter(
  spec: ModuleAdapterSpec,
  { baseDir, idleThreadMs = IDLE_THREAD_MS }: { baseDir: string; idleThreadMs?: number },
): Adapter {
  const threads = new ModuleThreads(
    resolve(baseDir, spec.path),
    spec.export,
    `${spec.export} of ${spec.path}`,
    idleThreadMs,
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
  readonly #idleTimers = new Map<Worker, NodeJS.Timeout>();
  readonly #busy = new Set<Worker>();
  readonly #stopping = new Set<Worker>();
  readonly #workerData: { file: string; exportName: string; source: string };

  readonly #idleThreadMs: number;

  constructor(file: string, exportName: string, source: string, idleThreadMs: number) {
    this.#workerData = { file, exportName, source };
    this.#idleThreadMs = idleThreadMs;
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
      const thread = this.#takeIdle() ?? this.#startThread();
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
    else if (!signal.aborted) this.#putIdle(thread);
    // An aborted call's thread is already stopping, and is not reused.
    return outcome;
  }

  #startThread(): Worker {
    const thread = new Worker(THREAD_URL, { workerData: this.#workerData });
    // A thread may fail or exit between calls (a timer of the module's that throws): it is
    // dropped then, and the failure never reaches the worker's own thread as an unhandled
    // 'error' event. A call in flight hears of it through its own listeners.
    thread.on('error', () => {});
    thread.once('exit', () => this.#forgetIdle(thread));
    return thread;
  }

  /** The most recently used idle thread (its module is warm), if any. */
  #takeIdle(): Worker | undefined {
    const thread = this.#idle.pop();
    if (thread !== undefined) {
      clearTimeout(this.#idleTimers.get(thread));
      this.#idleTimers.delete(thread);
    }
    return thread;
  }

  #putIdle(thread: Worker): void {
    this.#idle.push(thread);
    const timer = setTimeout(() => {
      this.#forgetIdle(thread);
      void thread.terminate();
    }, this.#idleThreadMs);
    timer.unref();
    this.#idleTimers.set(thread, timer);
  }

  #forgetIdle(thread: Worker): void {
    clearTimeout(this.#idleTimers.get(thread));
    this.#idleTimers.delete(thread);
    const at = this.#idle.indexOf(thread);
    if (at >= 0) this.#idle.splice(at, 1);
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
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    const all = [...this.#idle.splice(0), ...this.#busy];
    this.#busy.clear();
    await Promise.all([...all.map((t) => t.terminate()), ...stopping]);
  }
}
