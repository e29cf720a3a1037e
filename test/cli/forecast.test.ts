import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lines, runVigil, tempDir } from './support.ts';

// `vigil forecast` as an operator runs it: a CSV file in, the forecast on stdout, the
// backtest on stderr, and one line and a non-zero status for input it cannot use.
const dir = tempDir();
afterAll(() => dir.cleanup());

const HOUR_MS = 3_600_000;
const START_MS = Date.parse('2026-01-05T00:00:00Z');
const demand = (t: number) =>
  100 +
  20 * Math.sin((2 * Math.PI * t) / 24) +
  10 * Math.sin((2 * Math.PI * t) / 168) +
  ((t * 7919) % 13) / 3;

function file(name: string, rows: string[]): string {
  const path = join(dir.dir, name);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

/** Five weeks of hourly demand, as `timestamp,value` rows, without the hours in `skip`. */
function hourly(time: (ms: number) => string, skip: ReadonlySet<number> = new Set()): string[] {
  const rows: string[] = [];
  for (let t = 0; t < 5 * 168; t++)
    if (!skip.has(t)) rows.push(`${time(START_MS + t * HOUR_MS)},${demand(t).toFixed(2)}`);
  return rows;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('vigil forecast', () => {
  it('forecasts a CSV with ISO timestamps and a gap, continuing its timestamps, with the backtest on stderr', async () => {
    const input = file('iso.csv', ['timestamp,value', ...hourly(iso, new Set([100, 101, 102, 500]))]);
    const result = await runVigil(['forecast', '--input', input, '--interval-s', '3600', '--horizon', '24']);
    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe('timestamp,value,lower80,upper80,lower95,upper95');
    expect(out).toHaveLength(25);
    const first = out[1]!.split(',');
    expect(first[0]).toBe(iso(START_MS + 5 * 168 * HOUR_MS));
    expect(out[24]!.split(',')[0]).toBe(iso(START_MS + (5 * 168 + 23) * HOUR_MS));
    const [value, lower80, upper80, lower95, upper95] = first.slice(1).map(Number) as number[] as [
      number,
      number,
      number,
      number,
      number,
    ];
    expect(lower95).toBeLessThanOrEqual(lower80);
    expect(lower80).toBeLessThanOrEqual(value);
    expect(value).toBeLessThanOrEqual(upper80);
    expect(upper80).toBeLessThanOrEqual(upper95);
    expect(Math.abs(value - demand(5 * 168))).toBeLessThan(8);
    expect(result.stderr).toMatch(/^model: +(mstl_ets|seasonal_naive) \(/m);
    expect(result.stderr).toMatch(/^seasons: +24, 168$/m);
    expect(result.stderr).toMatch(/^backtest: +3 origins × 24 intervals ahead$/m);
    expect(result.stderr).toMatch(/^mstl_ets +\d+\.\d\d +\d+\.\d %/m);
    expect(result.stderr).toMatch(/^seasonal_naive +\d+\.\d\d +\d+\.\d %/m);
  });

  it('continues epoch seconds as epoch seconds, and numbers steps for a values-only file', async () => {
    const epoch = file(
      'epoch.csv',
      hourly((ms) => String(ms / 1000)),
    );
    const a = await runVigil(['forecast', '--input', epoch, '--interval-s', '3600', '--horizon', '2']);
    expect(a.code, a.stderr).toBe(0);
    expect(lines(a.stdout).map((l) => l.split(',')[0])).toEqual([
      'timestamp',
      String((START_MS + 5 * 168 * HOUR_MS) / 1000),
      String((START_MS + (5 * 168 + 1) * HOUR_MS) / 1000),
    ]);

    const values = file(
      'values.csv',
      hourly(() => '').map((row) => row.slice(1)),
    );
    const b = await runVigil(['forecast', '--input', values, '--interval-s', '3600', '--horizon', '2']);
    expect(b.code, b.stderr).toBe(0);
    expect(lines(b.stdout).map((l) => l.split(',')[0])).toEqual(['step', '1', '2']);
  });

  it.each([
    [
      'a repeated timestamp',
      () => [...hourly(iso).slice(0, 3), hourly(iso)[2]!],
      /^vigil: line 4: \S+ repeats an earlier timestamp$/,
    ],
    [
      'a timestamp off the interval grid',
      () => [`${iso(START_MS)},1`, `${iso(START_MS + HOUR_MS + 60_000)},2`],
      /^vigil: line 2: \S+ is not a whole number of --interval-s 3600 after the first timestamp$/,
    ],
    [
      'a value that is no number',
      () => [`${iso(START_MS)},12`, `${iso(START_MS + HOUR_MS)},lots`],
      /^vigil: line 2: value "lots" is not a number/,
    ],
    [
      'too short a history',
      () => hourly(iso).slice(0, 100),
      /^vigil: not enough history to forecast: 100 observed values; the shortest season \(24\) needs 120/,
    ],
  ])('exits 1 with one line for %s', async (_label, rows, message) => {
    const input = file('bad.csv', rows());
    const result = await runVigil(['forecast', '--input', input, '--interval-s', '3600', '--horizon', '24']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(lines(result.stderr)[0]).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('exits 2 for a season it cannot use or an interval with no default season', async () => {
    const input = file('ok.csv', hourly(iso));
    const bad = await runVigil([
      'forecast',
      '--input',
      input,
      '--interval-s',
      '3600',
      '--horizon',
      '1',
      '--seasons',
      '24,1',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--seasons must be whole numbers of intervals ≥ 2/);
    const none = await runVigil(['forecast', '--input', input, '--interval-s', '13', '--horizon', '1']);
    expect(none.code).toBe(2);
    expect(lines(none.stderr)).toEqual([
      'vigil: no daily or weekly season is a whole number of --interval-s 13 intervals: give --seasons',
    ]);
  });
});
