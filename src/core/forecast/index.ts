export { accuracy, seasonalNaiveScale } from './accuracy.ts';
export { backtest, DEFAULT_BACKTEST_ORIGINS } from './backtest.ts';
export { createForecastEngine } from './engine.ts';
export { ForecastInputError } from './errors.ts';
export type { MstlFit, MstlModule } from './mstl.ts';
export { seasonalNaiveModel } from './seasonal-naive.ts';
export { defaultSeasons, planSeasons } from './seasons.ts';
export type * from './types.ts';
