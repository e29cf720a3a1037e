import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrometheusQuerySource,
  type PrometheusQueryConfig,
} from '../../../src/autoscaler/sources/prometheus-query.ts';
import { type MetricSource, SourceConfigError, SourceError } from '../../../src/autoscaler/sources/source.ts';
import { freePort } from '../../cli/net.ts';
import { eventually } from '../../helpers/eventually.ts';
import { type RunningPrometheus, startPrometheus } from '../../prometheus/real-prometheus.ts';
import { announceSkip, prometheusProblem } from '../../prometheus/requirements.ts';

/**
 * The Prometheus source against a real Prometheus (Debian's package, on a random port, data in
 * a temporary directory) that scrapes a /metrics server this test runs and changes. Skipped
 * with the reason where the package is missing, except in CI.
 */
const problem = prometheusProblem(['prometheus']);
announceSkip('Prometheus query source test', problem);

/** Starts an HTTP server on 127.0.0.1 and returns it with its base URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const closeServer = (server: Server | undefined) =>
  new Promise<void>((resolve) => {
    if (server === undefined) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });

describe('prometheus query source: configuration and failures without a server', () => {
  const base: PrometheusQueryConfig = { kind: 'prometheus', url: 'http://127.0.0.1:9090', query: 'up' };
  const refused: Array<[string, Partial<PrometheusQueryConfig>, RegExp]> = [
    [
      'a URL that is not one',
      { url: 'prometheus:9090 ' },
      /prometheus source: url must start with http:\/\/ or https:\/\//,
    ],
    ['no URL', { url: '' }, /url is required/],
    ['credentials in the URL', { url: 'http://u:p@127.0.0.1:9090' }, /url must not carry credentials/],
    ['an empty query', { query: '' }, /query must be a non-empty string/],
    [
      'both kinds of credentials',
      { bearer_token: 't', basic_auth: { username: 'u', password: 'p' } },
      /bearer_token and basic_auth cannot both be set/,
    ],
    ['an empty bearer token', { bearer_token: '' }, /bearer_token must be a non-empty string/],
    ['a timeout that is not whole', { timeout_ms: 1.5 }, /timeout_ms must be a whole number/],
  ];
  it.each(refused)('refuses %s when built', (_what, change, message) => {
    const build = () => createPrometheusQuerySource({ ...base, ...change });
    expect(build).toThrow(SourceConfigError);
    expect(build).toThrow(message);
  });

  it('fails a read with the reason when nothing listens', async () => {
    const port = await freePort();
    const source = createPrometheusQuerySource({ ...base, url: `http://127.0.0.1:${port}` });
    const read = source.read();
    await expect(read).rejects.toThrow(SourceError);
    await expect(read).rejects.toThrow(`prometheus source: cannot reach http://127.0.0.1:${port}/`);
    await expect(read).rejects.toThrow(/ECONNREFUSED/);
  });

  it('gives up after timeout_ms, and close() cuts a read in flight', async () => {
    const { server, url } = await serve(() => {
      // Never answers.
    });
    try {
      const slow = createPrometheusQuerySource({ ...base, url, timeout_ms: 200 });
      const started = Date.now();
      await expect(slow.read()).rejects.toThrow(`no answer from ${url}/ within 200 ms`);
      expect(Date.now() - started).toBeLessThan(2000);

      const closing = createPrometheusQuerySource({ ...base, url, timeout_ms: 10_000 });
      const read = closing.read();
      await closing.close();
      await expect(read).rejects.toThrow('closed while reading');
      await expect(closing.read()).rejects.toThrow('prometheus source: closed');
    } finally {
      await closeServer(server);
    }
  });

  it('says what a server that is not Prometheus answered', async () => {
    const { server, url } = await serve((_req, res) => res.writeHead(502).end('<html>bad gateway</html>'));
    try {
      await expect(createPrometheusQuerySource({ ...base, url }).read()).rejects.toThrow(
        `answered HTTP 502 without JSON: <html>bad gateway</html>`,
      );
    } finally {
      await closeServer(server);
    }
  });
});

describe.skipIf(problem.skip !== null)('prometheus query source against a real Prometheus', () => {
  /** The gauges the scraped server exposes; the test changes them. */
  const depth = { a: 7, b: 3 };
  let exporter: { server: Server; url: string } | undefined;
  let gate: { server: Server; url: string } | undefined;
  let prometheus: RunningPrometheus | undefined;
  const sources: MetricSource[] = [];
  const open = (config: Omit<PrometheusQueryConfig, 'kind' | 'url'>, url = prometheus!.url) => {
    const source = createPrometheusQuerySource({ kind: 'prometheus', url, ...config });
    sources.push(source);
    return source;
  };

  beforeAll(async () => {
    if (problem.fail !== null) throw new Error(problem.fail);
    exporter = await serve((req, res) => {
      if (req.url !== '/metrics') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        [
          '# HELP bot_queue_depth Jobs waiting in a bot queue.',
          '# TYPE bot_queue_depth gauge',
          `bot_queue_depth{queue="a"} ${depth.a}`,
          `bot_queue_depth{queue="b"} ${depth.b}`,
          '',
        ].join('\n'),
      );
    });
    prometheus = await startPrometheus({
      target: new URL(exporter.url).host,
      bearer: 'unused-by-this-exporter',
      rules: 'groups: []\n',
      // Nothing listens there: no rule fires, so nothing is ever sent.
      alertmanager: `127.0.0.1:${await freePort()}`,
      intervalS: 1,
    });
    // A gate in front of Prometheus that wants credentials, as a reverse proxy would.
    gate = await serve(async (req, res) => {
      const auth = req.headers.authorization;
      if (auth !== 'Bearer s3cret' && auth !== `Basic ${Buffer.from('ops:pw').toString('base64')}`) {
        return res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"status":"error","errorType":"unauthorized","error":"who are you"}');
      }
      const upstream = await fetch(`${prometheus!.url}${req.url}`);
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    // The first scrape: both series are in.
    await eventually(
      `a first scrape of the exporter; prometheus said:\n${prometheus.output()}`,
      async () =>
        (await prometheus!.api<{ result: unknown[] }>('query?query=bot_queue_depth')).result.length === 2,
      20_000,
      200,
    );
  }, 60_000);

  afterAll(async () => {
    for (const source of sources) await source.close();
    await prometheus?.stop();
    await closeServer(gate?.server);
    await closeServer(exporter?.server);
  });

  it('reads a one-series vector and a scalar, stamped with the evaluation time', async () => {
    const before = Date.now();
    const one = await open({ query: 'bot_queue_depth{queue="a"}' }).read();
    expect(one.value).toBe(7);
    expect(one.at).toBeGreaterThanOrEqual(before - 1);
    expect(one.at).toBeLessThanOrEqual(Date.now() + 1);
    expect((await open({ query: 'sum(bot_queue_depth)' }).read()).value).toBe(10);
    expect((await open({ query: 'scalar(sum(bot_queue_depth)) * 2' }).read()).value).toBe(20);
  });

  it('follows the scraped gauge as it changes', async () => {
    const source = open({ query: 'sum(bot_queue_depth)' });
    depth.a = 40;
    await eventually('the new value scraped', async () => (await source.read()).value === 43, 15_000, 200);
  });

  it('refuses an empty vector, several series, a range and a malformed query, saying so', async () => {
    await expect(open({ query: 'bot_queue_depth{queue="none"}' }).read()).rejects.toThrow(
      'prometheus source: the query returned no series (an empty vector) (query bot_queue_depth{queue="none"})',
    );
    const several = open({ query: 'bot_queue_depth' }).read();
    await expect(several).rejects.toThrow(SourceError);
    await expect(several).rejects.toThrow(/returned 2 series \(.*"queue":"a".*\), not one: aggregate it/);
    await expect(open({ query: 'bot_queue_depth[1m]' }).read()).rejects.toThrow(
      /returned a matrix, not a scalar or a one-series vector/,
    );
    await expect(open({ query: 'sum(' }).read()).rejects.toThrow(/answered HTTP 400: bad_data: .*unclosed/);
  });

  it('refuses NaN and infinities', async () => {
    await expect(open({ query: 'sum(bot_queue_depth) / 0' }).read()).rejects.toThrow(
      /the query returned \+Inf, not a finite number/,
    );
    await expect(open({ query: '0 / 0' }).read()).rejects.toThrow(
      /the query returned NaN, not a finite number/,
    );
  });

  it('sends a bearer token or basic credentials', async () => {
    const query = 'sum(bot_queue_depth)';
    await expect(open({ query }, gate!.url).read()).rejects.toThrow(
      'answered HTTP 401: unauthorized: who are you',
    );
    await expect(open({ query, bearer_token: 'wrong' }, gate!.url).read()).rejects.toThrow('HTTP 401');
    expect((await open({ query, bearer_token: 's3cret' }, gate!.url).read()).value).toBeGreaterThan(0);
    const basic = open({ query, basic_auth: { username: 'ops', password: 'pw' } }, gate!.url);
    expect((await basic.read()).value).toBeGreaterThan(0);
  });
});
