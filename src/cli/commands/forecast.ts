import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { Accuracy, ForecastAnswer } from '../../core/forecast/types.ts';
import { UsageError } from '../exit.ts';
import { positiveInt } from '../parse.ts';
import { parseSeriesCsv, type SeriesInput, timeText } from '../series-csv.ts';

interface ForecastOptions {
  input: string;
  intervalS: number;
  horizon: number;
  seasons?: number[];
  json?: boolean;
}

function seasonList(value: string): number[] {
  const seasons = value.split(',').map((s) => Number(s.trim()));
  if (seasons.some((s) => !Number.isInteger(s) || s < 2))
    throw new InvalidArgumentError('--seasons must be whole numbers of intervals ≥ 2, e.g. 48,336');
  return seasons;
}

const figure = (n: number | null, digits: number, unit = '') =>
  n === null ? '–' : `${n.toFixed(digits)}${unit}`;
const number = (n: number) => String(Math.round(n * 1e6) / 1e6);

function accuracyRow(name: string, a: Accuracy): string {
  return [
    name.padEnd(16),
    figure(a.mase, 2).padStart(6),
    figure(a.smape, 1, ' %').padStart(9),
    figure(a.coverage80 === null ? null : a.coverage80 * 100, 0, ' %').padStart(9),
    figure(a.coverage95 === null ? null : a.coverage95 * 100, 0, ' %').padStart(9),
  ].join('');
}

/** The backtest figures an operator reads beside the forecast, for stderr. */
function summary(answer: Extract<ForecastAnswer, { kind: 'forecast' }>): string {
  const { backtest: bt } = answer;
  const lines = [
    `model:     ${answer.model} (${answer.why})`,
    `seasons:   ${answer.seasons.join(', ')}`,
    ...answer.dropped.map((d) => `dropped:   season ${d.season}: ${d.reason}`),
    `backtest:  ${bt.origins} origins × ${bt.horizon} intervals ahead`,
    `${''.padEnd(16)}${'MASE'.padStart(6)}${'sMAPE'.padStart(9)}${'cover80'.padStart(9)}${'cover95'.padStart(9)}`,
    accuracyRow('mstl_ets', bt.model),
    accuracyRow('seasonal_naive', bt.seasonal_naive),
    `intervals: ${answer.model}'s own scaled ×${bt.interval_scale.level80.toFixed(2)} (80 %) and ×${bt.interval_scale.level95.toFixed(2)} (95 %) to fit its backtest`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The forecast as CSV: the input's timestamps continued, or the step ahead when it had none. */
function forecastCsv(
  answer: Extract<ForecastAnswer, { kind: 'forecast' }>,
  input: SeriesInput,
  interval_s: number,
) {
  const { time } = input;
  const rows = [`${time === null ? 'step' : 'timestamp'},value,lower80,upper80,lower95,upper95`];
  for (const p of answer.points) {
    const when =
      time === null
        ? String(p.step)
        : timeText(time, time.start_ms + (input.values.length - 1 + p.step) * interval_s * 1000);
    rows.push([when, ...[p.value, p.lower80, p.upper80, p.lower95, p.upper95].map(number)].join(','));
  }
  return `${rows.join('\n')}\n`;
}

export function forecastCommand(): Command {
  const cmd = new Command('forecast')
    .description(
      'forecast a series from a CSV file with MSTL+AutoETS, backtested against seasonal-naive (docs/forecasting.md)',
    )
    .requiredOption(
      '--input <file>',
      'CSV of "timestamp,value" lines (ISO 8601 or epoch s/ms) or one value per line; - for stdin',
    )
    .requiredOption('--interval-s <n>', 'seconds between observations', positiveInt('interval-s'))
    .requiredOption('--horizon <n>', 'how many intervals ahead to forecast', positiveInt('horizon'))
    .option(
      '--seasons <list>',
      'seasonal periods in intervals, e.g. 48,336 (default: daily and weekly where whole numbers of intervals)',
      seasonList,
    )
    .option('--json', 'print the whole answer as JSON instead of CSV')
    .addHelpText(
      'after',
      [
        '',
        'Prints timestamp,value,lower80,upper80,lower95,upper95 on stdout (step instead of timestamp',
        'when the input has none) and the backtest figures on stderr. Missing values (empty, NaN) and',
        'gaps between timestamps are missing intervals.',
        '',
        'Exit status: 0 forecast; 1 when the input cannot be read or is too short to forecast (it says',
        'how many observations it needs); 2 for a wrong command line.',
        '',
        'Example: vigil forecast --input demand.csv --interval-s 1800 --horizon 336',
      ].join('\n'),
    );
  cmd.action(async (opts: ForecastOptions) => {
    const { defaultSeasons } = await import('../../core/forecast/seasons.ts');
    const seasons = opts.seasons ?? defaultSeasons(opts.intervalS);
    if (seasons.length === 0)
      throw new UsageError(
        `no daily or weekly season is a whole number of --interval-s ${opts.intervalS} intervals: give --seasons`,
      );
    const text = readFileSync(opts.input === '-' ? 0 : opts.input, 'utf8');
    const input = parseSeriesCsv(text, opts.intervalS);
    const { createForecastEngine, ForecastInputError } = await import('../../core/forecast/index.ts');
    const { loadMstl } = await import('../../platform/augurs.ts');
    let answer: ForecastAnswer;
    try {
      answer = createForecastEngine(loadMstl()).forecast({
        values: input.values,
        seasons,
        horizon: opts.horizon,
      });
    } catch (error) {
      if (error instanceof ForecastInputError) throw new UsageError(error.message);
      throw error;
    }
    if (answer.kind === 'insufficient') throw new Error(`not enough history to forecast: ${answer.reason}`);
    if (opts.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else process.stdout.write(forecastCsv(answer, input, opts.intervalS));
    process.stderr.write(summary(answer));
  });
  return cmd;
}
