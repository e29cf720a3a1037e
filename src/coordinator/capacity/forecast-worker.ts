import { parentPort } from 'node:worker_threads';
import { createForecastEngine } from '../../core/forecast/engine.ts';
import { loadMstl } from '../../platform/augurs.ts';
import type { FromForecaster, ToForecaster } from './forecast-messages.ts';

/**
 * The forecast thread: fits and backtests one series at a time with the engine (a year of
 * hourly data takes about a second) so the coordinator's event loop never waits for it.
 */
const port = parentPort;
if (port === null) throw new Error('forecast-worker.ts runs as a worker thread');

const engine = createForecastEngine(loadMstl());

port.on('message', (message: ToForecaster) => {
  let reply: FromForecaster;
  try {
    reply = { type: 'answer', id: message.id, answer: engine.forecast(message.request) };
  } catch (error) {
    const e = error as Error;
    reply = {
      type: 'failed',
      id: message.id,
      name: e?.name ?? 'Error',
      message: String(e?.message ?? error),
    };
  }
  port.postMessage(reply);
});

port.postMessage({ type: 'ready' } satisfies FromForecaster);
