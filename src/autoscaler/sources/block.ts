import { type Logger, silentLogger } from '../../platform/log.ts';
import { type BackoffOptions, backoffMs } from '../../platform/retry.ts';
import { SourceConfigError, type TickSource } from './source.ts';
import { requireMs, requireUrl } from './validate.ts';

/**
 * A tick per new block of an EVM chain: `eth_subscribe` `newHeads` over a JSON-RPC WebSocket,
 * and `eth_blockNumber` over HTTP while the WebSocket is down or not given (decision 0067).
 */
export interface BlockTickConfig {
  kind: 'block';
  /** `ws://` or `wss://`: heads are pushed as they come. */
  ws_url?: string;
  /** `http://` or `https://`: polled every `poll_interval_ms` while there is no subscription. */
  http_url?: string;
  /** Default 2000: well under Ethereum's 12 s blocks, and a few requests a minute per source. */
  poll_interval_ms?: number;
  /** How long a connection, a subscription or a request may take. Default 5000. */
  request_timeout_ms?: number;
  /** The first reconnect waits up to this, doubling per failure (jittered) up to `reconnect_max_ms`. Default 500. */
  reconnect_initial_ms?: number;
  /** Default 30000. */
  reconnect_max_ms?: number;
  /**
   * Off by default. When set, a subscription that brings no head for this long counts as lost
   * and is made again (polling meanwhile): some providers stop sending on a connection they
   * keep open. Set it well above the chain's block time.
   */
  ws_idle_ms?: number;
}

/** The parts of the runtime the source uses; injectable for tests. */
export interface BlockTickDeps {
  log?: Logger;
  now?: () => number;
  random?: () => number;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

/** How a head reached the source: pushed over the WebSocket, or found by polling over HTTP. */
type Via = 'websocket' | 'http';
interface Head {
  number: number;
  hash: string;
}
type OnHead = (head: Head, via: Via) => void;

const KIND = 'block';
const DEFAULTS = {
  poll_interval_ms: 2000,
  request_timeout_ms: 5000,
  reconnect_initial_ms: 500,
  reconnect_max_ms: 30_000,
};

/** Checks `config` and returns a source that ticks once per new block number once started. */
export function createBlockTickSource(config: BlockTickConfig, deps: BlockTickDeps = {}): TickSource {
  const { log = silentLogger, now = Date.now, random = Math.random, fetch: fetchFn = fetch } = deps;
  if (config.ws_url === undefined && config.http_url === undefined) {
    throw new SourceConfigError(KIND, 'ws_url', 'or http_url is required');
  }
  const ws = config.ws_url === undefined ? null : requireUrl(KIND, 'ws_url', config.ws_url, ['ws:', 'wss:']);
  const http =
    config.http_url === undefined ? null : requireUrl(KIND, 'http_url', config.http_url, ['http:', 'https:']);
  const ms = (field: keyof typeof DEFAULTS) => requireMs(KIND, field, config[field], DEFAULTS[field]);
  const pollMs = ms('poll_interval_ms');
  const timeoutMs = ms('request_timeout_ms');
  const idleMs = config.ws_idle_ms === undefined ? null : requireMs(KIND, 'ws_idle_ms', config.ws_idle_ms, 0);
  const backoff: BackoffOptions = {
    initialMs: ms('reconnect_initial_ms'),
    maxMs: ms('reconnect_max_ms'),
    random,
  };
  if (backoff.maxMs < backoff.initialMs) {
    throw new SourceConfigError(
      KIND,
      'reconnect_max_ms',
      `must be ≥ reconnect_initial_ms (${backoff.initialMs})`,
    );
  }

  let started = false;
  let stopped = false;
  let subscription: { close(): void } | null = null;
  let poller: Poller | null = null;

  return {
    kind: KIND,
    start(onTick) {
      if (started) throw new Error(`${KIND} source: already started`);
      if (stopped) throw new Error(`${KIND} source: stopped`);
      started = true;
      /** The highest number ticked: a lower or equal one (a reorg, a restarted chain) never ticks again. */
      let highest = -1;
      const onHead: OnHead = (head, via) => {
        if (stopped || head.number <= highest) return;
        highest = head.number;
        try {
          onTick({ reason: KIND, at: now(), detail: { number: head.number, hash: head.hash, via } });
        } catch (error) {
          log.error({ err: error, source: KIND }, 'block source: the tick callback threw');
        }
      };
      if (http !== null) {
        poller = pollHeads({
          url: http,
          intervalMs: pollMs,
          timeoutMs,
          fetch: fetchFn,
          log,
          above: () => highest,
          onHead,
        });
      }
      if (ws === null) {
        poller?.resume();
        return;
      }
      // With a WebSocket, the poll runs only while there is no subscription.
      subscription = subscribeHeads({
        url: ws,
        timeoutMs,
        idleMs,
        backoff,
        log,
        onHead,
        onUp: () => poller?.pause(),
        onDown: () => poller?.resume(),
        polling: http !== null,
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      subscription?.close();
      await poller?.close();
    },
  };
}

/**
 * Keeps one `newHeads` subscription open: connects, subscribes, and when the socket closes,
 * errs or hangs, connects again after a jittered backoff. On each new subscription it also
 * asks for the latest block, so blocks made while it was down tick without waiting for the next.
 */
function subscribeHeads(o: {
  url: URL;
  timeoutMs: number;
  idleMs: number | null;
  backoff: BackoffOptions;
  log: Logger;
  onHead: OnHead;
  onUp: () => void;
  onDown: () => void;
  polling: boolean;
}): { close(): void } {
  const target = endpoint(o.url);
  let socket: WebSocket | null = null;
  let failures = 0;
  let reportedDown = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const send = (ws: WebSocket, id: number, method: string, params: unknown[]) =>
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));

  function connect(): void {
    if (closed) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(o.url);
    } catch (error) {
      lost(null, (error as Error).message);
      return;
    }
    socket = ws;
    // Until the subscription is confirmed the socket counts as down; one that hangs is dropped.
    timer = setTimeout(() => lost(ws, `no subscription within ${o.timeoutMs} ms`), o.timeoutMs);
    ws.addEventListener('open', () => send(ws, 1, 'eth_subscribe', ['newHeads']));
    ws.addEventListener('message', (event) => {
      if (ws === socket && typeof event.data === 'string') onMessage(ws, event.data);
    });
    ws.addEventListener('error', () => lost(ws, 'connection error'));
    ws.addEventListener('close', (event) => lost(ws, `closed (${event.code} ${event.reason})`.trim()));
  }

  /** Drops a subscription that has been silent for `idleMs`, when that is set. */
  function watchIdle(ws: WebSocket): void {
    clearTimeout(timer);
    const idleMs = o.idleMs;
    if (idleMs !== null) timer = setTimeout(() => lost(ws, `no head for ${idleMs} ms`), idleMs);
  }

  function onMessage(ws: WebSocket, data: string): void {
    let message: {
      id?: number;
      method?: string;
      result?: unknown;
      error?: unknown;
      params?: { result?: unknown };
    };
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.id === 1) {
      if (typeof message.result !== 'string') {
        lost(ws, `eth_subscribe refused: ${JSON.stringify(message.error ?? message.result)}`);
        return;
      }
      watchIdle(ws);
      failures = 0;
      if (reportedDown)
        o.log.info({ source: KIND, ws: target }, 'block source: subscribed to new heads again');
      reportedDown = false;
      o.onUp();
      send(ws, 2, 'eth_getBlockByNumber', ['latest', false]);
      return;
    }
    const header = message.id === 2 ? message.result : message.params?.result;
    const head = message.id === 2 || message.method === 'eth_subscription' ? parseHead(header) : null;
    if (head === null) return;
    if (message.id !== 2) watchIdle(ws);
    o.onHead(head, 'websocket');
  }

  function lost(ws: WebSocket | null, reason: string): void {
    if (ws !== socket || closed) return;
    clearTimeout(timer);
    socket = null;
    ws?.close();
    failures += 1;
    if (!reportedDown) {
      o.log.warn(
        { source: KIND, ws: target, reason },
        o.polling
          ? 'block source: no subscription to new heads; polling eth_blockNumber until it reconnects'
          : 'block source: no subscription to new heads; no ticks until it reconnects',
      );
      reportedDown = true;
    }
    o.onDown();
    timer = setTimeout(connect, backoffMs(failures, o.backoff));
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
      socket = null;
    },
  };
}

interface Poller {
  /** Polls now, then every interval, until paused. */
  resume(): void;
  pause(): void;
  /** Stops, cutting a request in flight, and waits for the poll in progress to end. */
  close(): Promise<void>;
}

/**
 * Polls `eth_blockNumber` every `intervalMs`, never two polls at once, and reads the hash of a
 * number above the highest ticked one. One warning per outage, not one per failed poll.
 */
function pollHeads(o: {
  url: URL;
  intervalMs: number;
  timeoutMs: number;
  fetch: NonNullable<BlockTickDeps['fetch']>;
  log: Logger;
  above: () => number;
  onHead: OnHead;
}): Poller {
  const target = endpoint(o.url);
  const closing = new AbortController();
  let running = false;
  let closed = false;
  let reportedDown = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  let id = 0;

  async function rpc(method: string, params: unknown[]): Promise<unknown> {
    const response = await o.fetch(o.url.toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
      signal: AbortSignal.any([closing.signal, AbortSignal.timeout(o.timeoutMs)]),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { result?: unknown; error?: unknown };
    if (body.error !== undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  }

  async function poll(): Promise<void> {
    try {
      const number = parseQuantity(await rpc('eth_blockNumber', []));
      if (number === null) throw new Error('eth_blockNumber answered no block number');
      if (number > o.above()) {
        // The hash of that very height, so the tick names the block it is for.
        const head = parseHead(await rpc('eth_getBlockByNumber', [`0x${number.toString(16)}`, false]));
        if (head !== null && running) o.onHead(head, 'http');
      }
      if (reportedDown) o.log.info({ source: KIND, http: target }, 'block source: polling answers again');
      reportedDown = false;
    } catch (error) {
      if (closed) return;
      if (!reportedDown) {
        o.log.warn(
          { source: KIND, http: target, err: (error as Error).message },
          'block source: polling failed',
        );
      }
      reportedDown = true;
    }
  }

  function arm(delayMs: number): void {
    clearTimeout(timer);
    if (!running || closed) return;
    timer = setTimeout(() => {
      current = poll().then(() => arm(o.intervalMs));
    }, delayMs);
  }

  return {
    resume() {
      if (running || closed) return;
      running = true;
      // After the poll in flight, if any: never two at once.
      current.then(() => arm(0));
    },
    pause() {
      running = false;
      clearTimeout(timer);
    },
    async close() {
      closed = true;
      running = false;
      clearTimeout(timer);
      closing.abort();
      await current;
    },
  };
}

/**
 * Where an endpoint is, for logs: its origin only. RPC providers put the API key in the path
 * (`/v3/<key>`), so the path is never printed.
 */
function endpoint(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : '/…'}`;
}

/** A JSON-RPC quantity (`0x1b4`) as a number; null when it is not one. */
function parseQuantity(value: unknown): number | null {
  if (typeof value !== 'string' || !/^0x[0-9a-f]{1,13}$/i.test(value)) return null;
  return Number.parseInt(value.slice(2), 16);
}

/** The number and hash of a block header as `newHeads` and `eth_getBlockByNumber` send it. */
function parseHead(header: unknown): Head | null {
  if (typeof header !== 'object' || header === null) return null;
  const { number, hash } = header as { number?: unknown; hash?: unknown };
  const n = parseQuantity(number);
  if (n === null || typeof hash !== 'string' || !/^0x[0-9a-f]{64}$/i.test(hash)) return null;
  return { number: n, hash: hash.toLowerCase() };
}
