import { type MetricSource, type Reading, SourceConfigError, SourceError } from './source.ts';
import { redactUrl, requireMs, requireText, requireUrl } from './validate.ts';

/** A PromQL instant query whose answer is one number (a queue's depth, a rate of requests). */
export interface PrometheusQueryConfig {
  kind: 'prometheus';
  /** The server's base URL (`http://prometheus:9090`, or with a path prefix); `/api/v1/query` is appended. */
  url: string;
  /** Must yield one sample: a scalar, or a vector of exactly one series (wrap it in `sum(…)`). */
  query: string;
  /** How long the whole request may take; also sent as the query's own `timeout`. Default 5000. */
  timeout_ms?: number;
  bearer_token?: string;
  basic_auth?: { username: string; password: string };
}

/** The part of the global `fetch` the source uses; injectable for tests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const KIND = 'prometheus';
const DEFAULT_TIMEOUT_MS = 5000;
const EXCERPT_CHARS = 200;

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Checks `config` and returns a source that runs the query at each read. */
export function createPrometheusQuerySource(
  config: PrometheusQueryConfig,
  { fetch: fetchFn = fetch, now = Date.now }: { fetch?: FetchLike; now?: () => number } = {},
): MetricSource {
  const base = requireUrl(KIND, 'url', config.url, ['http:', 'https:']);
  const query = requireText(KIND, 'query', config.query);
  const timeoutMs = requireMs(KIND, 'timeout_ms', config.timeout_ms, DEFAULT_TIMEOUT_MS);
  const headers = authHeaders(config);
  const endpoint = new URL(`${base.pathname.replace(/\/+$/, '')}/api/v1/query`, base);
  // Credentials in the URL itself would be refused by fetch; they belong in basic_auth.
  if (base.username !== '' || base.password !== '') {
    throw new SourceConfigError(KIND, 'url', 'must not carry credentials; use basic_auth or bearer_token');
  }
  const target = redactUrl(base.toString());
  let closing: AbortController | null = new AbortController();

  const fail = (message: string, cause?: unknown) =>
    new SourceError(KIND, `${message} (query ${query})`, { cause });

  return {
    kind: KIND,
    async read(): Promise<Reading> {
      if (closing === null) throw new SourceError(KIND, 'closed');
      const url = new URL(endpoint);
      url.searchParams.set('query', query);
      url.searchParams.set('time', (now() / 1000).toFixed(3));
      // Prometheus stops evaluating when its own timeout passes, so a heavy query costs no more.
      url.searchParams.set('timeout', `${timeoutMs}ms`);
      let response: Response;
      try {
        response = await fetchFn(url.toString(), {
          headers: { accept: 'application/json', ...headers },
          signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (error) {
        throw fail(describeNetworkError(error, target, timeoutMs), error);
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw fail(describeNetworkError(error, target, timeoutMs), error);
      }
      let answer: ApiAnswer;
      try {
        answer = JSON.parse(text) as ApiAnswer;
      } catch {
        throw fail(`${target} answered HTTP ${response.status} without JSON: ${excerpt(text)}`);
      }
      if (!response.ok || answer.status !== 'success') {
        const why =
          answer.error === undefined ? excerpt(text) : `${answer.errorType ?? 'error'}: ${answer.error}`;
        throw fail(`${target} answered HTTP ${response.status}: ${why}`);
      }
      const [at, value] = oneSample(answer.data, fail);
      return { value, at };
    },
    async close(): Promise<void> {
      // A request in flight is cut rather than waited on.
      closing?.abort();
      closing = null;
    },
  };
}

/** The one sample of an answer, as [UTC ms, value]; a SourceError for any other shape. */
function oneSample(data: ApiAnswer['data'], fail: (message: string) => SourceError): [number, number] {
  const type = data?.resultType;
  let pair: unknown;
  if (type === 'scalar') {
    pair = data?.result;
  } else if (type === 'vector') {
    const series = Array.isArray(data?.result)
      ? (data.result as Array<{ metric?: unknown; value?: unknown }>)
      : [];
    if (series.length === 0) throw fail('the query returned no series (an empty vector)');
    if (series.length > 1) {
      const shown = series.slice(0, 3).map((s) => JSON.stringify(s.metric ?? {}));
      const more = series.length > 3 ? ', …' : '';
      throw fail(
        `the query returned ${series.length} series (${shown.join(', ')}${more}), not one: aggregate it, e.g. sum(…)`,
      );
    }
    pair = series[0]?.value;
  } else {
    throw fail(`the query returned a ${type ?? 'malformed answer'}, not a scalar or a one-series vector`);
  }
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    typeof pair[0] !== 'number' ||
    typeof pair[1] !== 'string'
  ) {
    throw fail(`the sample is malformed: ${excerpt(JSON.stringify(pair))}`);
  }
  const value = Number(pair[1]);
  // Prometheus writes NaN and ±Inf as strings; a policy cannot size anything from them.
  if (!Number.isFinite(value)) throw fail(`the query returned ${pair[1]}, not a finite number`);
  return [Math.round(pair[0] * 1000), value];
}

function authHeaders(config: PrometheusQueryConfig): Record<string, string> {
  const { bearer_token: bearer, basic_auth: basic } = config;
  if (bearer !== undefined && basic !== undefined) {
    throw new SourceConfigError(KIND, 'bearer_token', 'and basic_auth cannot both be set');
  }
  if (bearer !== undefined) {
    return { authorization: `Bearer ${requireText(KIND, 'bearer_token', bearer)}` };
  }
  if (basic !== undefined) {
    const username = requireText(KIND, 'basic_auth.username', basic?.username);
    if (typeof basic.password !== 'string')
      throw new SourceConfigError(KIND, 'basic_auth.password', 'must be a string');
    if (username.includes(':'))
      throw new SourceConfigError(KIND, 'basic_auth.username', 'must not contain ":"');
    return { authorization: `Basic ${Buffer.from(`${username}:${basic.password}`).toString('base64')}` };
  }
  return {};
}

function describeNetworkError(error: unknown, target: string, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `no answer from ${target} within ${timeoutMs} ms`;
    if (error.name === 'AbortError') return 'closed while reading';
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const detail = cause?.code ?? cause?.message;
    return `cannot reach ${target}: ${detail === undefined ? error.message : `${error.message} (${detail})`}`;
  }
  return `cannot reach ${target}: ${String(error)}`;
}

function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, EXCERPT_CHARS);
}
