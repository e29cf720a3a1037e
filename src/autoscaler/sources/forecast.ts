import { type ForecastSlotPoint, forecastPeak } from '../../core/scaling/forecast.ts';
import type { ForecastLevel } from '../../core/scaling/types.ts';
import type { Logger } from '../../platform/log.ts';
import { type Reading, SourceError } from './source.ts';
import { redactUrl, requireMs, requireText, requireUrl } from './validate.ts';

/** Where a topic's demand forecast is read: the coordinator's `GET /sla/capacity/forecast`. */
export interface ForecastSourceConfig {
  /** The coordinator's base URL (`autoscaler.coordinator_url`). */
  coordinator_url: string;
  /** Any key of the coordinator (reads need one); null sends none. */
  api_key: string | null;
  topic: string;
  /** How long one request may take. Default 5000. */
  timeout_ms?: number;
  /** The longest an answer is reused, even while its interval lasts. Default 30000. */
  max_cache_ms?: number;
}

export interface ForecastSource {
  readonly kind: 'forecast';
  readonly topic: string;
  /**
   * The topic's forecast demand in slots, the peak at `level` over [now, now + lead_s],
   * stamped with when the forecast was fetched; null while the coordinator has too little
   * history to forecast. A SourceError when it cannot be read or has no interval in the window.
   */
  peak(level: ForecastLevel, lead_s: number): Promise<Reading | null>;
  close(): Promise<void>;
}

/** What the source keeps of an answer. */
type Answer =
  | { kind: 'forecast'; interval_s: number; points: ForecastSlotPoint[] }
  | { kind: 'insufficient'; why: string };

const KIND = 'forecast';
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_MAX_CACHE_MS = 30_000;

/**
 * The coordinator's demand forecast of a topic. The coordinator makes a forecast once an
 * interval from complete intervals (decision 0087), so an answer is kept until the interval it
 * was computed in ends, and at most `max_cache_ms`: one request per half-minute however many
 * ticks and policies read it. A failed read is not kept; the next read asks again.
 */
export function createForecastSource(
  config: ForecastSourceConfig,
  {
    fetch: fetchFn = fetch,
    now = Date.now,
    log,
  }: { fetch?: typeof fetch; now?: () => number; log?: Logger } = {},
): ForecastSource {
  const base = requireUrl(KIND, 'coordinator_url', config.coordinator_url, ['http:', 'https:']);
  const topic = requireText(KIND, 'topic', config.topic);
  const timeoutMs = requireMs(KIND, 'timeout_ms', config.timeout_ms, DEFAULT_TIMEOUT_MS);
  const maxCacheMs = requireMs(KIND, 'max_cache_ms', config.max_cache_ms, DEFAULT_MAX_CACHE_MS, 0);
  const endpoint = new URL(`${base.pathname.replace(/\/+$/, '')}/sla/capacity/forecast`, base);
  endpoint.searchParams.set('topic', topic);
  // Only the points are read: no history beside them.
  endpoint.searchParams.set('history_hours', '0');
  const shown = redactUrl(endpoint.toString());
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.api_key !== null) headers['authorization'] = `Bearer ${config.api_key}`;
  let closing: AbortController | null = new AbortController();
  let cached: { answer: Answer; fetched_at: number; until: number } | null = null;
  let inFlight: Promise<{ answer: Answer; fetched_at: number }> | null = null;
  let saidInsufficient = false;

  const fail = (message: string, cause?: unknown) =>
    new SourceError(KIND, `topic ${topic}: ${message}`, { cause });

  async function fetchAnswer(): Promise<{ answer: Answer; fetched_at: number }> {
    if (closing === null) throw fail('closed');
    const fetched_at = now();
    let response: Response;
    let text: string;
    try {
      response = await fetchFn(endpoint, {
        headers,
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]),
      });
      text = await response.text();
    } catch (error) {
      throw fail(networkError(error, shown, timeoutMs), error);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw fail(`${shown} answered HTTP ${response.status} without JSON: ${excerpt(text)}`);
    }
    if (!response.ok) {
      const problem = body as { title?: unknown; detail?: unknown };
      const why = typeof problem.detail === 'string' ? problem.detail : excerpt(text);
      throw fail(`${shown} answered HTTP ${response.status}: ${why}`);
    }
    const answer = parseAnswer(body, fail);
    const computed_at = Date.parse(String((body as { computed_at?: unknown }).computed_at));
    const interval_ms = Number((body as { interval_s?: unknown }).interval_s) * 1000;
    // Right until the interval it was computed in ends (a new one starts a new forecast).
    const interval_end =
      Number.isFinite(computed_at) && interval_ms > 0
        ? (Math.floor(computed_at / interval_ms) + 1) * interval_ms
        : fetched_at;
    cached = { answer, fetched_at, until: Math.min(fetched_at + maxCacheMs, interval_end) };
    return { answer, fetched_at };
  }

  async function current(): Promise<{ answer: Answer; fetched_at: number }> {
    if (cached !== null && now() < cached.until) return cached;
    inFlight ??= fetchAnswer().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    kind: KIND,
    topic,
    async peak(level, lead_s) {
      const { answer, fetched_at } = await current();
      if (answer.kind === 'insufficient') {
        // Young topics stay here for days: said once, not at every tick.
        if (!saidInsufficient) {
          log?.info(
            { topic, why: answer.why },
            'no demand forecast for the topic yet; its forecast policy waits',
          );
          saidInsufficient = true;
        }
        return null;
      }
      if (saidInsufficient) {
        log?.info({ topic }, 'the topic has a demand forecast now; its forecast policy proposes');
        saidInsufficient = false;
      }
      const value = forecastPeak(answer.points, {
        now_ms: now(),
        lead_s,
        interval_s: answer.interval_s,
        level,
      });
      if (value === null) {
        throw fail(
          `the forecast has no interval within the next ${lead_s} s (${answer.points.length} points)`,
        );
      }
      return { value, at: fetched_at };
    },
    async close() {
      closing?.abort();
      closing = null;
    },
  };
}

/** The points of a forecast answer, or why there are none; a SourceError for any other shape. */
function parseAnswer(body: unknown, fail: (message: string) => SourceError): Answer {
  const b = body as { status?: unknown; why?: unknown; interval_s?: unknown; points?: unknown };
  if (b.status === 'insufficient_history') {
    return { kind: 'insufficient', why: typeof b.why === 'string' ? b.why : 'too little history' };
  }
  if (b.status !== 'forecast') throw fail(`unexpected status ${excerpt(JSON.stringify(b.status))}`);
  const interval_s = b.interval_s;
  if (typeof interval_s !== 'number' || !(interval_s > 0)) throw fail('the answer has no interval_s');
  if (!Array.isArray(b.points)) throw fail('the answer has no points');
  const points = b.points.map((raw: unknown, i): ForecastSlotPoint => {
    const p = raw as Record<string, unknown>;
    const at = Date.parse(String(p['at']));
    const [value, upper80, upper95] = [p['value'], p['upper80'], p['upper95']];
    if (
      !Number.isFinite(at) ||
      typeof value !== 'number' ||
      typeof upper80 !== 'number' ||
      typeof upper95 !== 'number'
    ) {
      throw fail(`point ${i} is malformed: ${excerpt(JSON.stringify(raw))}`);
    }
    return { at, value, upper80, upper95 };
  });
  return { kind: 'forecast', interval_s, points };
}

function networkError(error: unknown, target: string, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `no answer from ${target} within ${timeoutMs} ms`;
    if (error.name === 'AbortError') return 'closed while reading';
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const detail = cause?.code ?? cause?.message;
    return `cannot reach ${target}: ${detail === undefined ? error.message : `${error.message} (${detail})`}`;
  }
  return `cannot reach ${target}: ${String(error)}`;
}

const excerpt = (text: string): string => text.replace(/\s+/g, ' ').trim().slice(0, 200);
