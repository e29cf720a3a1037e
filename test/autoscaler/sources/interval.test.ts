import { describe, expect, it } from 'vitest';
import {
  createIntervalTickSource,
  type IntervalTickConfig,
} from '../../../src/autoscaler/sources/interval.ts';
import { SourceConfigError } from '../../../src/autoscaler/sources/source.ts';
import { captureLog } from '../../helpers/capture-log.ts';
import { eventually } from '../../helpers/eventually.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('interval tick source', () => {
  it.each([
    ['no interval', {}, /interval source: interval_ms is required/],
    [
      'an interval of zero',
      { interval_ms: 0 },
      /interval_ms must be a whole number of milliseconds ≥ 1, not 0/,
    ],
    ['a fractional interval', { interval_ms: 2.5 }, /interval_ms must be a whole number/],
  ])('refuses %s when built', (_what, config, message) => {
    const build = () => createIntervalTickSource({ kind: 'interval', ...config } as IntervalTickConfig);
    expect(build).toThrow(SourceConfigError);
    expect(build).toThrow(message);
  });

  it('ticks every interval_ms, counting, and not after stop', async () => {
    const source = createIntervalTickSource({ kind: 'interval', interval_ms: 40 });
    expect(source.kind).toBe('interval');
    const ticks: Array<{ reason: string; at: number; detail?: Record<string, unknown> }> = [];
    const started = Date.now();
    source.start((tick) => ticks.push(tick));
    expect(() => source.start(() => {})).toThrow('interval source: already started');
    await eventually('three ticks', () => ticks.length >= 3, 5000, 5);
    await source.stop();
    // No tick before a whole interval has passed, and none after stop.
    expect(ticks[0]?.at).toBeGreaterThanOrEqual(started + 39);
    expect(ticks.map((t) => t.reason)).toEqual(ticks.map(() => 'interval'));
    expect(ticks.map((t) => t.detail?.['count'])).toEqual(ticks.map((_, i) => i + 1));
    for (let i = 1; i < ticks.length; i++) {
      expect((ticks[i]?.at ?? 0) - (ticks[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(39);
    }
    const count = ticks.length;
    await sleep(120);
    expect(ticks.length).toBe(count);
  });

  it('keeps ticking when the callback throws, and says so', async () => {
    const log = captureLog();
    const source = createIntervalTickSource({ kind: 'interval', interval_ms: 20 }, { log });
    let calls = 0;
    source.start(() => {
      calls += 1;
      throw new Error('policy broke');
    });
    await eventually('a third call', () => calls >= 3, 5000, 5);
    await source.stop();
    expect(log.entries[0]).toMatchObject({ level: 'error', msg: 'interval source: the tick callback threw' });
  });

  it('can be stopped before it ticks, or without being started', async () => {
    const never = createIntervalTickSource({ kind: 'interval', interval_ms: 30 });
    await never.stop();
    const source = createIntervalTickSource({ kind: 'interval', interval_ms: 30 });
    let calls = 0;
    source.start(() => {
      calls += 1;
    });
    await source.stop();
    await sleep(80);
    expect(calls).toBe(0);
  });
});
