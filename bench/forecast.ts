import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ets from '@bsull/augurs/ets';
import { accuracyOf, addWindow, emptySums, seasonalNaiveScale } from '../src/core/forecast/accuracy.ts';
import { createForecastEngine } from '../src/core/forecast/engine.ts';
import { mstlModel } from '../src/core/forecast/mstl.ts';
import { seasonalNaiveModel } from '../src/core/forecast/seasonal-naive.ts';
import type { Accuracy, ForecastAnswer, Model, Prediction } from '../src/core/forecast/types.ts';
import { loadMstl } from '../src/platform/augurs.ts';
import { fmtMiB, fmtMs, machine, parseCount, peakRss } from './lib/common.ts';
import { waitForQuietLoad } from './lib/quiet-load.ts';

/**
 * `npm run bench -- forecast [--topics 100] [--points 8760] [--horizon 168] [--skip-scale]
 *   [--skip-accuracy] [--quiet-load L]`
 *
 * Issue 16: the forecast engine (docs/forecasting.md, decision 0080) on a year of hourly data
 * per topic (seasons 24 and 168, a week ahead, the engine's own 3-origin backtest included),
 * for 1 topic and for --topics, with wall time and peak memory; then its accuracy on real
 * half-hourly electricity demand (bench/data/taylor.csv, seasons 48 and 336), a week ahead
 * from each of the last six weeks, beside seasonal-naive and the alternatives decision 0080
 * weighed. --quiet-load waits (at most 10 minutes) until the load average is below L.
 */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      topics: { type: 'string' },
      points: { type: 'string' },
      horizon: { type: 'string' },
      'skip-scale': { type: 'boolean' },
      'skip-accuracy': { type: 'boolean' },
      'quiet-load': { type: 'string' },
    },
  });
  const quietLoad = values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']);
  const load = await waitForQuietLoad(quietLoad);
  console.log(`machine: ${machine()}`);
  if (quietLoad !== undefined)
    console.log(`started at load average ${load.toFixed(1)} (asked below ${quietLoad})`);
  const started = performance.now();
  const mstl = loadMstl();
  console.log(`augurs MSTL WebAssembly loaded in ${fmtMs(performance.now() - started)}`);
  if (!values['skip-scale'])
    scale(
      mstl,
      parseCount(values.topics, 100),
      parseCount(values.points, 8760),
      parseCount(values.horizon, 168),
    );
  if (!values['skip-accuracy']) realAccuracy(mstl);
}

/** A seeded uniform generator on (0, 1) (Park–Miller). */
function uniform(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/** One topic's hourly demand: its own level, daily and weekly shapes, trend, noise and 1 % gaps. */
function topicSeries(seed: number, points: number): (number | null)[] {
  const u = uniform(seed);
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const level = 50 + 100 * u();
  const [daily, weekly, phase, trend, noise] = [
    0.3 * level * u(),
    0.2 * level * u(),
    24 * u(),
    level * 1e-5 * u(),
    0.05 * level,
  ];
  return Array.from({ length: points }, (_, t) => {
    if (u() < 0.01) return null;
    const day = Math.sin((2 * Math.PI * (t + phase)) / 24) + 0.4 * Math.cos((4 * Math.PI * t) / 24);
    const week = t % 168 >= 120 ? -1 : 0.25; // quieter weekends
    return level + trend * t + daily * day + weekly * week + noise * normal();
  });
}

function scale(mstl: ReturnType<typeof loadMstl>, topics: number, points: number, horizon: number): void {
  console.log(
    `\nscale: ${topics} topics of ${points} hourly points (1 % missing), seasons 24,168, horizon ${horizon}, backtest 3 origins`,
  );
  const engine = createForecastEngine(mstl);
  const times: number[] = [];
  const chosen = new Map<string, number>();
  let heapPeak = 0;
  const wall = performance.now();
  for (let topic = 1; topic <= topics; topic++) {
    const values = topicSeries(topic, points);
    const t0 = performance.now();
    const answer = engine.forecast({ values, seasons: [24, 168], horizon });
    times.push(performance.now() - t0);
    const model = answer.kind === 'forecast' ? answer.model : 'insufficient';
    chosen.set(model, (chosen.get(model) ?? 0) + 1);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    if (topic === 1)
      console.log(
        `1 topic:      ${fmtMs(times[0]!)}; peak RSS ${fmtMiB(peakRss())}, heap used ${fmtMiB(heapPeak)}`,
      );
  }
  const total = performance.now() - wall;
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  console.log(
    `${topics} topics:   ${fmtMs(total)} in all; per topic median ${fmtMs(at(0.5))}, p95 ${fmtMs(at(0.95))}, max ${fmtMs(sorted.at(-1)!)}; peak RSS ${fmtMiB(peakRss())}, heap used ${fmtMiB(heapPeak)}`,
  );
  console.log(`chosen:       ${[...chosen].map(([m, n]) => `${m} ${n}`).join(', ')}`);
}

/** augurs' AutoETS (no seasonal models in augurs 0.10: 'ZZZ' fits as 'ZZN'), as a model. */
function autoEtsModel(train: Float64Array, horizon: number): Prediction {
  const observed = train.filter((x) => !Number.isNaN(x));
  const model = new ets.AutoETS(1, 'ZZN');
  try {
    model.fit(observed);
    const a = model.predict(horizon, 0.8);
    const b = model.predict(horizon, 0.95);
    return {
      point: a.point,
      lower80: a.intervals!.lower,
      upper80: a.intervals!.upper,
      lower95: b.intervals!.lower,
      upper95: b.intervals!.upper,
    };
  } finally {
    model.free();
  }
}

/** The engine's answer as a model, for scoring on a held-out week like the others. */
function engineModel(mstl: ReturnType<typeof loadMstl>, seasons: number[], answers: ForecastAnswer[]): Model {
  const engine = createForecastEngine(mstl);
  return (train, horizon) => {
    const answer = engine.forecast({ values: Array.from(train), seasons, horizon });
    answers.push(answer);
    if (answer.kind !== 'forecast') throw new Error(answer.reason);
    const p = answer.points;
    return {
      point: p.map((x) => x.value),
      lower80: p.map((x) => x.lower80),
      upper80: p.map((x) => x.upper80),
      lower95: p.map((x) => x.lower95),
      upper95: p.map((x) => x.upper95),
    };
  };
}

const show = (n: number | null, digits: number, unit = '') =>
  n === null ? '–' : `${n.toFixed(digits)}${unit}`;

function realAccuracy(mstl: ReturnType<typeof loadMstl>): void {
  const text = readFileSync(new URL('data/taylor.csv', import.meta.url), 'utf8');
  const y = Float64Array.from(text.trim().split('\n'), Number);
  const week = 336;
  const cuts = [6, 7, 8, 9, 10, 11].map((w) => w * week);
  console.log(
    `\naccuracy: taylor, half-hourly electricity demand of England and Wales, 5 June–27 August 2000 (${y.length} points), seasons 48,336`,
  );
  console.log(
    `each model forecasts one week (336) from each of weeks ${cuts[0]! / week}–${cuts.at(-1)! / week}, fitted on all weeks before; MASE scaled by the training weeks' seasonal-naive (336) error`,
  );
  const answers: ForecastAnswer[] = [];
  ets.initSync({
    module: new WebAssembly.Module(
      readFileSync(new URL('ets_bg.wasm', import.meta.resolve('@bsull/augurs/ets'))),
    ),
  });
  const models: [string, Model][] = [
    ['engine (its choice, scaled intervals)', engineModel(mstl, [48, 336], answers)],
    ['seasonal-naive (336)', seasonalNaiveModel(336)],
    ['mstl_ets 48,336 (own intervals)', mstlModel(mstl, [48, 336])],
    ['mstl_ets 48 (daily only)', mstlModel(mstl, [48])],
    ['seasonal-naive (48)', seasonalNaiveModel(48)],
    ['auto_ets (no season)', autoEtsModel],
  ];
  console.log(
    `${'model'.padEnd(40)}${'MASE'.padStart(7)}${'sMAPE'.padStart(9)}${'cover80'.padStart(9)}${'cover95'.padStart(9)}${'ms/fit'.padStart(9)}`,
  );
  for (const [name, model] of models) {
    const sums = emptySums();
    let ms = 0;
    for (const cut of cuts) {
      const t0 = performance.now();
      const prediction = model(y.subarray(0, cut), week);
      ms += performance.now() - t0;
      addWindow(sums, y.subarray(cut, cut + week), prediction, seasonalNaiveScale(y.subarray(0, cut), week));
    }
    const a: Accuracy = accuracyOf(sums);
    console.log(
      `${name.padEnd(40)}${show(a.mase, 2).padStart(7)}${show(a.smape, 2, ' %').padStart(9)}${show(a.coverage80 && a.coverage80 * 100, 1, ' %').padStart(9)}${show(a.coverage95 && a.coverage95 * 100, 1, ' %').padStart(9)}${fmtMs(ms / cuts.length).padStart(9)}`,
    );
  }
  for (const [i, answer] of answers.entries()) {
    if (answer.kind !== 'forecast') continue;
    const bt = answer.backtest;
    console.log(
      `  from week ${cuts[i]! / week}: ${answer.model} (${answer.why}); intervals scaled ×${bt.interval_scale.level80.toFixed(2)} / ×${bt.interval_scale.level95.toFixed(2)}`,
    );
  }
}
