import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextPollDelay } from '../../src/dashboard/lib/backoff.ts';
import {
  formatBytes,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
  formatTime,
} from '../../src/dashboard/lib/format.ts';
import { href, matchPath, parseHash } from '../../src/dashboard/shell/router.ts';

describe('dashboard formatting', () => {
  it('writes durations with their two largest units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(200_000)).toBe('3 min 20 s');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000 + 7_000)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
    expect(formatDuration(3 * 86_400_000 + 30_000)).toBe('3 d');
    expect(formatDuration(-90_000)).toBe('−1 min 30 s');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });

  it('writes what was never measured as a dash, never as 0', () => {
    for (const f of [formatPercent, formatNumber, formatMs, formatBytes, formatTime]) {
      expect(f(null)).toBe('—');
      expect(f(undefined)).toBe('—');
    }
    expect(formatPercent(99.5)).toBe('99.50 %');
    expect(formatNumber(12_345.6)).toBe('12,346');
    expect(formatMs(250.4)).toBe('250 ms');
    expect(formatMs(2_500)).toBe('3 s');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatTime('2026-11-01T01:02:03.456Z')).toBe('2026-11-01 01:02:03 UTC');
    expect(formatTime('not a time')).toBe('—');
  });

  it('never writes a duration with more than two units or a negative zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => {
        const text = formatDuration(ms);
        expect(text.split(' ').length).toBeLessThanOrEqual(4);
        expect(text.startsWith('−')).toBe(false);
      }),
    );
  });
});

describe('dashboard polling back-off', () => {
  it('polls at the interval while the coordinator answers, then backs off to at most a minute', () => {
    expect(nextPollDelay(5_000, 0)).toBe(5_000);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (failures, r) => {
          const delay = nextPollDelay(5_000, failures, () => r);
          expect(delay).toBeGreaterThanOrEqual(7_500);
          expect(delay).toBeLessThanOrEqual(75_000);
        },
      ),
    );
    expect(nextPollDelay(5_000, 1, () => 0.5)).toBe(10_000);
    expect(nextPollDelay(5_000, 20, () => 0.5)).toBe(60_000);
  });
});

describe('dashboard routing', () => {
  it('reads the page and its query from the fragment', () => {
    expect(parseHash('')).toMatchObject({ path: '/' });
    const { path, query } = parseHash('#/nodes?sort=uptime&order=desc');
    expect(path).toBe('/nodes');
    expect(query.get('sort')).toBe('uptime');
  });

  it('matches patterns and decodes parameters', () => {
    expect(matchPath('/nodes/:node_id', '/nodes/sim-004')).toEqual({ node_id: 'sim-004' });
    expect(matchPath('/nodes/:node_id', '/nodes')).toBeNull();
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/workers/:id', '/workers/n1%2Fw0')).toEqual({ id: 'n1/w0' });
    expect(matchPath('/workers/:id', '/workers/%E0%A4%A')).toBeNull();
  });

  it('writes links that read back to the same page', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (id, q) => {
        const link = href(`/nodes/${encodeURIComponent(id)}`, { q });
        const parsed = parseHash(link);
        expect(matchPath('/nodes/:node_id', parsed.path)).toEqual({ node_id: id });
        expect(parsed.query.get('q') ?? '').toBe(q);
      }),
    );
  });
});
