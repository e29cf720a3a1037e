import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createForecastSource, type ForecastSource } from '../../../src/autoscaler/sources/forecast.ts';
import { SourceConfigError, SourceError } from '../../../src/autoscaler/sources/source.ts';
import type { Logger } from '../../../src/platform/log.ts';

/**
 * The forecast source against a real HTTP server on 127.0.0.1 that answers
 * `GET /sla/capacity/forecast` as the coordinator does (the fields the source reads, the rest
 * left out), with a clock the test moves.
 */
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 4, 10, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** A forecast made at `computedAt`: hourly points from its hour on, demand `values` in slots. */
const forecastBody = (computedAt: number, values: number[]) => {
  const first = computedAt - (computedAt % HOUR);
  return {
    status: 'forecast',
    topic: 'render',
    interval_s: 3600,
    points: values.map((v, i) => ({
      at: iso(first + i * HOUR),
      value: v,
      lower80: v - 2,
      upper80: v + 2,
      lower95: v - 4,
      upper95: v + 4,
    })),
    history: [],
    computed_at: iso(computedAt),
  };
};
const insufficientBody = (computedAt: number) => ({
  status: 'insufficient_history',
  topic: 'render',
  interval_s: 3600,
  why: 'the shortest season (24) needs 120 observations',
  points: [],
  computed_at: iso(computedAt),
});

let server: Server;
let base: string;
let answer: { status: number; body: unknown } = { status: 200, body: {} };
const requests: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  requests.length = 0;
});

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = {
    lines,
    debug: () => {},
    info: (_o: object, msg?: string) => void lines.push(msg ?? ''),
    warn: (_o: object, msg?: string) => void lines.push(msg ?? ''),
    error: (_o: object, msg?: string) => void lines.push(msg ?? ''),
    child: () => log,
  };
  return log;
}

function source(clock: { now: number }, log?: Logger, over: Record<string, unknown> = {}): ForecastSource {
  return createForecastSource(
    { coordinator_url: base, api_key: 'vk_test', topic: 'render', ...over },
    { now: () => clock.now, ...(log === undefined ? {} : { log }) },
  );
}

describe('forecast source', () => {
  it('reads the peak of the chosen level over [now, now + lead], with the key, and no history', async () => {
    const clock = { now: T0 + 10 * 60_000 };
    answer = { status: 200, body: forecastBody(T0 + 60_000, [5, 9, 3]) };
    const s = source(clock);
    expect(await s.peak('upper80', 30)).toEqual({ value: 7, at: clock.now });
    expect(await s.peak('point', 30)).toMatchObject({ value: 5 });
    expect(await s.peak('upper95', 30)).toMatchObject({ value: 9 });
    expect(requests).toHaveLength(1);
    // Within the lead of the next hour, its rise counts (the answer, older than 30 s, asked again).
    clock.now = T0 + HOUR - 20_000;
    expect(await s.peak('point', 30)).toMatchObject({ value: 9 });
    expect(requests).toHaveLength(2);
    const url = new URL(requests[0]?.url ?? '', base);
    expect(url.pathname).toBe('/sla/capacity/forecast');
    expect(url.searchParams.get('topic')).toBe('render');
    expect(url.searchParams.get('history_hours')).toBe('0');
    expect(requests[0]?.headers.authorization).toBe('Bearer vk_test');
    await s.close();
  });

  it('keeps an answer at most 30 s, and not past the interval it was computed in', async () => {
    const clock = { now: T0 + 10 * 60_000 };
    answer = { status: 200, body: forecastBody(T0, [5, 9]) };
    const s = source(clock);
    await s.peak('point', 10);
    clock.now += 29_000;
    await s.peak('point', 10);
    expect(requests).toHaveLength(1);
    clock.now += 2_000;
    await s.peak('point', 10);
    expect(requests).toHaveLength(2);
    // Made 10 s before its hour ends: asked again once the hour is over, not 30 s later.
    clock.now = T0 + HOUR - 10_000;
    answer = { status: 200, body: forecastBody(clock.now, [5, 9]) };
    await s.peak('point', 10);
    clock.now = T0 + HOUR + 1;
    answer = { status: 200, body: forecastBody(clock.now, [8]) };
    expect(await s.peak('point', 10)).toMatchObject({ value: 8 });
    expect(requests).toHaveLength(4);
    await s.close();
  });

  it('answers no reading while history is insufficient, and says so once', async () => {
    const clock = { now: T0 };
    const log = recordingLog();
    answer = { status: 200, body: insufficientBody(T0) };
    const s = source(clock, log, { max_cache_ms: 0 });
    expect(await s.peak('upper80', 10)).toBeNull();
    clock.now += 1000;
    expect(await s.peak('upper80', 10)).toBeNull();
    expect(log.lines).toEqual(['no demand forecast for the topic yet; its forecast policy waits']);
    answer = { status: 200, body: forecastBody(clock.now, [4]) };
    clock.now += 1000;
    expect(await s.peak('upper80', 10)).toMatchObject({ value: 6 });
    expect(log.lines).toHaveLength(2);
    await s.close();
  });

  it('fails a read with the reason, and asks again at the next', async () => {
    const clock = { now: T0 };
    const s = source(clock);
    answer = {
      status: 404,
      body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'no topic render' },
    };
    await expect(s.peak('point', 10)).rejects.toThrow(SourceError);
    await expect(s.peak('point', 10)).rejects.toThrow(/answered HTTP 404: no topic render/);
    answer = { status: 200, body: 'not json' };
    await expect(s.peak('point', 10)).rejects.toThrow(/without JSON/);
    answer = { status: 200, body: { ...forecastBody(T0, [1]), points: [{ at: 'x' }] } };
    await expect(s.peak('point', 10)).rejects.toThrow(/point 0 is malformed/);
    // A forecast of an hour long gone has nothing for now.
    answer = { status: 200, body: forecastBody(T0 - 5 * HOUR, [1]) };
    await expect(s.peak('point', 10)).rejects.toThrow(/no interval within the next 10 s/);
    expect(requests.length).toBe(5);
    await s.close();
    await expect(s.peak('point', 10)).rejects.toThrow(/closed/);
  });

  it('fails, without waiting long, when nothing listens or the answer is late', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const s = createForecastSource({
      coordinator_url: `http://127.0.0.1:${port}`,
      api_key: null,
      topic: 'render',
    });
    await expect(s.peak('point', 10)).rejects.toThrow(/cannot reach .*ECONNREFUSED/);
    await s.close();

    const slow = createServer(() => {});
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const late = createForecastSource({
      coordinator_url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
      api_key: null,
      topic: 'render',
      timeout_ms: 200,
    });
    await expect(late.peak('point', 10)).rejects.toThrow(/no answer .* within 200 ms/);
    await late.close();
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });

  it('refuses a configuration that cannot work when built', () => {
    const build = (over: Record<string, unknown>) => () =>
      createForecastSource({ coordinator_url: base, api_key: null, topic: 'render', ...over });
    expect(build({ coordinator_url: 'ftp://x' })).toThrow(SourceConfigError);
    expect(build({ topic: '' })).toThrow(/topic must be a non-empty string/);
  });
});
