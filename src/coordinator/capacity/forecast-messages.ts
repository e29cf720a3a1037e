import type { ForecastAnswer, ForecastRequest } from '../../core/forecast/types.ts';

/** What the coordinator sends the forecast thread. */
export interface ToForecaster {
  id: number;
  request: ForecastRequest;
}

/** What the forecast thread answers. */
export type FromForecaster =
  | { type: 'ready' }
  | { type: 'answer'; id: number; answer: ForecastAnswer }
  | { type: 'failed'; id: number; name: string; message: string };
