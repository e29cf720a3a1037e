import { parseRetryAfterMs } from '../../platform/retry.ts';
import type { ChannelTarget } from './config.ts';

/** The part of the global `fetch` the dispatcher uses; injectable for tests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type SendOutcome =
  | { kind: 'delivered'; status: number }
  /** Worth another attempt: 5xx, 408, 429, a network error or a timeout. */
  | { kind: 'retry'; error: string; retryAfterMs: number | null }
  /** The receiver refused the request itself; sending it again would be refused again. */
  | { kind: 'permanent'; error: string };

const EXCERPT_CHARS = 200;

/** The start of an error body, for `last_error`: enough to recognise the receiver's complaint. */
async function excerpt(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < EXCERPT_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body cut short says nothing more than the status already did.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, EXCERPT_CHARS);
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const detail = cause?.code ?? cause?.message;
    return detail === undefined ? error.message : `${error.message}: ${detail}`;
  }
  return String(error);
}

/** 4xx means the request is wrong, except "too slow" and "too many", which are about timing. */
function isPermanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** POSTs one stored payload, bounded by `timeoutMs` for the whole exchange, and says what happened. */
export async function sendPayload(
  fetchFn: FetchLike,
  target: ChannelTarget,
  payload: string,
  { timeoutMs, now }: { timeoutMs: number; now: number },
): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetchFn(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'vigil-alerts', ...target.headers },
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { kind: 'retry', error: describeNetworkError(error, timeoutMs), retryAfterMs: null };
  }
  if (response.ok) {
    await response.body?.cancel().catch(() => {});
    return { kind: 'delivered', status: response.status };
  }
  const body = await excerpt(response);
  const error = body === '' ? `HTTP ${response.status}` : `HTTP ${response.status}: ${body}`;
  if (isPermanent(response.status)) return { kind: 'permanent', error };
  return { kind: 'retry', error, retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), now) };
}
