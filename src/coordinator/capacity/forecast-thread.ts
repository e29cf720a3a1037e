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

interface Waiting {
  id: number;
  request: ForecastRequest;
  resolve(answer: ForecastAnswer): void;
  reject(error: Error): void;
}

/**
 * One thread that makes forecasts, one at a time. What a request waits for goes before
 * what the schedule makes ahead of requests, so an answer never queues behind a warm-up of
 * every scope. The thread starts on the first forecast (a coordinator that never forecasts
 * never loads the engine) and again after a failure; bad input rejects with
 * ForecastInputError.
 */
export function createForecastThread(): ForecastRunner {
  let thread: Worker | undefined;
  let nextId = 1;
  let closed = false;
  let current: Waiting | undefined;
  const asked: Waiting[] = [];
  const ahead: Waiting[] = [];

  const failAll = (error: Error) => {
    for (const w of [current, ...asked.splice(0), ...ahead.splice(0)]) w?.reject(error);
    current = undefined;
    thread = undefined;
  };

  /** Sends the next forecast when none is being made; idle, the thread lets the process exit. */
  const pump = () => {
    if (current !== undefined || closed) return;
    current = asked.shift() ?? ahead.shift();
    if (current === undefined) {
      thread?.unref();
      return;
    }
    thread ??= start();
    thread.ref();
    thread.postMessage({ id: current.id, request: current.request } satisfies ToForecaster);
  };

  const start = (): Worker => {
    const started = new Worker(WORKER_URL);
    started.on('message', (reply: FromForecaster) => {
      if (reply.type === 'ready' || current?.id !== reply.id) return;
      const done = current;
      current = undefined;
      if (reply.type === 'answer') done.resolve(reply.answer);
      else
        done.reject(
          reply.name === 'ForecastInputError'
            ? new ForecastInputError(reply.message)
            : new Error(`forecast failed: ${reply.message}`),
        );
      pump();
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
    run(request: ForecastRequest, { background = false } = {}) {
      if (closed) return Promise.reject(new Error('the forecast thread is closed'));
      return new Promise<ForecastAnswer>((resolve, reject) => {
        (background ? ahead : asked).push({ id: nextId++, request, resolve, reject });
        pump();
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
