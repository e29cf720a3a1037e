import { Worker } from 'node:worker_threads';
import { ForecastInputError } from '../../core/forecast/errors.ts';
import type { ForecastAnswer, ForecastRequest } from '../../core/forecast/types.ts';
import type { FromForecaster, ToForecaster } from './forecast-messages.ts';
import type { ForecastRunner } from './forecasts.ts';

// Sources run as TypeScript (type stripping) and build to JavaScript: start whichever this is.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './forecast-worker.ts' : './forecast-worker.js',
  import.meta.url,
);

/**
 * One thread that makes forecasts, one at a time, in the order asked. The thread starts on
 * the first request (a coordinator that never forecasts never loads the engine) and is
 * started again after a failure; a request's own bad input rejects with ForecastInputError.
 */
export function createForecastThread(): ForecastRunner {
  let thread: Worker | undefined;
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, { resolve(a: ForecastAnswer): void; reject(e: Error): void }>();

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    thread = undefined;
  };

  const start = (): Worker => {
    const started = new Worker(WORKER_URL);
    started.on('message', (reply: FromForecaster) => {
      if (reply.type === 'ready') return;
      const waiting = pending.get(reply.id);
      if (waiting === undefined) return;
      pending.delete(reply.id);
      // Idle, the thread must not keep the process alive; busy, it must.
      if (pending.size === 0) started.unref();
      if (reply.type === 'answer') waiting.resolve(reply.answer);
      else
        waiting.reject(
          reply.name === 'ForecastInputError'
            ? new ForecastInputError(reply.message)
            : new Error(`forecast failed: ${reply.message}`),
        );
    });
    started.on('error', (error) => {
      if (thread === started) failAll(error);
    });
    started.on('exit', (code) => {
      if (thread === started) failAll(new Error(`the forecast thread exited with code ${code}`));
    });
    return started;
  };

  return {
    run(request: ForecastRequest) {
      if (closed) return Promise.reject(new Error('the forecast thread is closed'));
      thread ??= start();
      thread.ref();
      const id = nextId++;
      return new Promise<ForecastAnswer>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        thread?.postMessage({ id, request } satisfies ToForecaster);
      });
    },
    async close() {
      closed = true;
      const stopping = thread;
      failAll(new Error('the forecast thread is closed'));
      await stopping?.terminate();
    },
  };
}
