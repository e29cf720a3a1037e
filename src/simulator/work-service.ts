import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Listening, listen } from '../platform/listen.ts';

/** How a simulated node's service misbehaves right now. */
export interface WorkServiceFaults {
  /** Share of requests answered 503 (0..1). */
  failRate: number;
  /** Added before every answer. */
  slowMs: number;
}

export interface WorkServiceOptions {
  /** Fixed faults, or a function read per request so a node can flap in phases. */
  faults?: WorkServiceFaults | (() => WorkServiceFaults);
  random?: () => number;
  /** Largest request body read; larger is answered 413. */
  maxBodyBytes?: number;
}

export interface WorkServiceStats {
  answered: number;
  /** 503s from the fault knob. */
  injectedFailures: number;
  /** 4xx for bad requests. */
  refused: number;
}

export interface WorkService {
  /** Listens on 127.0.0.1 on a free port; resolves to the base URL (no trailing slash). */
  start(): Promise<string>;
  /** The base URL once started. */
  readonly url: string;
  stats(): WorkServiceStats;
  close(): Promise<void>;
}

export interface WordFrequencies {
  words: number;
  /** The five most frequent words, most frequent first, ties alphabetical. */
  top: [string, number][];
}

const NO_FAULTS: WorkServiceFaults = { failRate: 0, slowMs: 0 };
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

/** Word count and the top five words of a text, case-folded. */
export function wordFrequencies(text: string): WordFrequencies {
  const counts = new Map<string, number>();
  let words = 0;
  for (const [word] of text.toLowerCase().matchAll(WORD)) {
    words++;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const top = [...counts].sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0)).slice(0, 5);
  return { words, top };
}

/**
 * A small real HTTP service the http adapter calls in `vigil up`: `POST /wordfreq` with
 * `{ text }` answers `{ words, top }`. Its fault knobs make a simulated flapping or slow node's
 * work fail or lag for real, so the worker's retries and the SLA engine see real outcomes.
 */
export function createWorkService({
  faults = NO_FAULTS,
  random = Math.random,
  maxBodyBytes = 1024 * 1024,
}: WorkServiceOptions = {}): WorkService {
  const currentFaults = typeof faults === 'function' ? faults : () => faults;
  const stats: WorkServiceStats = { answered: 0, injectedFailures: 0, refused: 0 };
  let server: Listening | null = null;
  let url = '';

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    if (status >= 400 && status < 500) stats.refused++;
    else if (status < 300) stats.answered++;
    res.writeHead(status, { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' });
    res.end(JSON.stringify(body));
  };
  const problem = (res: ServerResponse, status: number, title: string) =>
    answer(res, status, { type: 'about:blank', title, status });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/health') return answer(res, 200, { status: 'ok' });
    if (req.url !== '/wordfreq') return problem(res, 404, 'no such route');
    if (req.method !== 'POST') return problem(res, 405, 'use POST');
    const body = await readBody(req, maxBodyBytes);
    if (body === null) return problem(res, 413, `body larger than ${maxBodyBytes} bytes`);
    const { failRate, slowMs } = currentFaults();
    if (slowMs > 0) await sleep(slowMs);
    if (random() < failRate) {
      stats.injectedFailures++;
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'simulated outage', status: 503 }));
      return;
    }
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      return problem(res, 400, 'body is not JSON');
    }
    const text = (input as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') return problem(res, 400, 'expected { "text": string }');
    answer(res, 200, wordFrequencies(text));
  }

  return {
    async start() {
      if (server !== null) return url;
      const created = createServer((req, res) => {
        handle(req, res).catch(() => {
          if (!res.headersSent) problem(res, 500, 'internal error');
          else res.destroy();
        });
      });
      server = await listen(created, 0, '127.0.0.1');
      url = server.url;
      return url;
    },
    get url() {
      return url;
    },
    stats: () => ({ ...stats }),
    async close() {
      const closing = server;
      server = null;
      await closing?.close();
    },
  };
}

/** The request body as text, or null past the limit (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
