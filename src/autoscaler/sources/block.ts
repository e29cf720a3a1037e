import { type Logger, silentLogger } from '../../platform/log.ts';
import { backoffMs } from '../../platform/retry.ts';
import { SourceConfigError, type TickSource } from './source.ts';
import { redactUrl, requireMs, requireUrl } from './validate.ts';

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
}

/** The parts of the runtime the source uses; injectable for tests. */
export interface BlockTickDeps {
  log?: Logger;
  now?: () => number;
  random?: () => number;
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
}

type Via = 'websocket' | 'http';
interface Head {
  number: number;
  hash: string;
}

const KIND = 'block';
const DEFAULTS = {
  poll_interval_ms: 2000,
  request_timeout_ms: 5000,
  reconnect_initial_ms: 500,
  reconnect_max_ms: 30_000,
};
const SUBSCRIBE_ID = 1;
const LATEST_ID = 2;

/** Checks `config` and returns a source that ticks once per new block number once started. */
export function createBlockTickSource(config: BlockTickConfig, deps: BlockTickDeps = {}): TickSource {
  const { log = silentLogger, now = Date.now, random = Math.random, fetch: fetchFn = fetch } = deps;
  if (config.ws_url === undefined && config.http_url === undefined) {
    throw new SourceConfigError(KIND, 'ws_url', 'or http_url is required');
  }
  const wsUrl =
    config.ws_url === undefined ? null : requireUrl(KIND, 'ws_url', config.ws_url, ['ws:', 'wss:']);
  const httpUrl =
    config.http_url === undefined ? null : requireUrl(KIND, 'http_url', config.http_url, ['http:', 'https:']);
  const pollMs = requireMs(KIND, 'poll_interval_ms', config.poll_interval_ms, DEFAULTS.poll_interval_ms);
  const timeoutMs = requireMs(
    KIND,
    'request_timeout_ms',
    config.request_timeout_ms,
    DEFAULTS.request_timeout_ms,
  );
  const initialMs = requireMs(
    KIND,
    'reconnect_initial_ms',
    config.reconnect_initial_ms,
    DEFAULTS.reconnect_initial_ms,
  );
  const maxMs = requireMs(KIND, 'reconnect_max_ms', config.reconnect_max_ms, DEFAULTS.reconnect_max_ms);
  if (maxMs < initialMs)
    throw new SourceConfigError(KIND, 'reconnect_max_ms', `must be ≥ reconnect_initial_ms (${initialMs})`);
  const wsTarget = wsUrl === null ? null : redactUrl(wsUrl.toString());
  const httpTarget = httpUrl === null ? null : redactUrl(httpUrl.toString());

  let onTick: Parameters<TickSource['start']>[0] | null = null;
  let stopped = false;
  /** The highest block number ticked: a lower or equal one (a reorg, a restarted dev chain) never ticks again. */
  let highest = -1;
  /** Cuts requests in flight and pending waits on stop. */
  const stopping = new AbortController();

  function observe(head: Head, via: Via): void {
    if (stopped || onTick === null || head.number <= highest) return;
    highest = head.number;
    try {
      onTick({ reason: KIND, at: now(), detail: { number: head.number, hash: head.hash, via } });
    } catch (error) {
      log.error({ err: error, source: KIND }, 'block source: the tick callback threw');
    }
  }

  // ---- WebSocket: subscribe, reconnect with jittered backoff ----
  let socket: WebSocket | null = null;
  let subscribed = false;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let openTimer: NodeJS.Timeout | undefined;
  let wsDownReported = false;

  function connect(): void {
    if (stopped || wsUrl === null) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsUrl);
    } catch (error) {
      socketLost(null, (error as Error).message);
      return;
    }
    socket = ws;
    // Until the subscription is confirmed the socket counts as down; one that hangs is dropped.
    openTimer = setTimeout(() => socketLost(ws, `no subscription within ${timeoutMs} ms`), timeoutMs);
    ws.addEventListener('open', () => {
      const ask = (id: number, method: string, params: unknown[]) =>
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      ask(SUBSCRIBE_ID, 'eth_subscribe', ['newHeads']);
    });
    ws.addEventListener('message', (event) => onMessage(ws, event.data));
    ws.addEventListener('error', () => socketLost(ws, 'connection error'));
    ws.addEventListener('close', (event) =>
      socketLost(ws, `closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`),
    );
  }

  function onMessage(ws: WebSocket, data: unknown): void {
    if (ws !== socket || typeof data !== 'string') return;
    let message: {
      id?: number;
      method?: string;
      result?: unknown;
      error?: { message?: string };
      params?: { result?: unknown };
    };
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.id === SUBSCRIBE_ID) {
      if (message.error !== undefined || typeof message.result !== 'string') {
        socketLost(ws, `eth_subscribe refused: ${message.error?.message ?? JSON.stringify(message.result)}`);
        return;
      }
      clearTimeout(openTimer);
      subscribed = true;
      failures = 0;
      if (wsDownReported)
        log.info({ source: KIND, ws: wsTarget }, 'block source: subscribed to new heads again');
      wsDownReported = false;
      // Blocks made while the socket was down and the poll did not see them: the head now.
      ws.send(
        JSON.stringify({
          jsonrpc: '2.0',
          id: LATEST_ID,
          method: 'eth_getBlockByNumber',
          params: ['latest', false],
        }),
      );
      return;
    }
    const header =
      message.id === LATEST_ID
        ? message.result
        : message.method === 'eth_subscription'
          ? message.params?.result
          : undefined;
    const head = parseHead(header);
    if (head !== null) observe(head, 'websocket');
  }

  function socketLost(ws: WebSocket | null, why: string): void {
    if (ws !== socket) return;
    clearTimeout(openTimer);
    socket = null;
    subscribed = false;
    if (ws !== null) {
      try {
        ws.close();
      } catch {
        // Already closing.
      }
    }
    if (stopped) return;
    failures += 1;
    const waitMs = backoffMs(failures, { initialMs, maxMs, jitter: 'equal', random });
    if (!wsDownReported) {
      log.warn(
        { source: KIND, ws: wsTarget, reason: why, polling: httpTarget !== null },
        httpTarget === null
          ? 'block source: no subscription to new heads; no ticks until it reconnects'
          : 'block source: no subscription to new heads; polling eth_blockNumber until it reconnects',
      );
      wsDownReported = true;
    }
    reconnectTimer = setTimeout(connect, waitMs);
    wakePoll();
  }

  // ---- HTTP polling: while there is no subscription ----
  let pollTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  let pollDownReported = false;
  let rpcId = 0;

  async function rpc(method: string, params: unknown[]): Promise<unknown> {
    const response = await fetchFn(httpUrl!.toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
      signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as { result?: unknown; error?: { message?: string } };
    if (body.error !== undefined)
      throw new Error(`${method}: ${body.error.message ?? JSON.stringify(body.error)}`);
    return body.result;
  }

  async function pollOnce(): Promise<void> {
    try {
      const number = parseQuantity(await rpc('eth_blockNumber', []));
      if (number === null) throw new Error('eth_blockNumber answered no number');
      if (number > highest) {
        // The hash of that very height, so a tick names the block it is for.
        const head = parseHead(await rpc('eth_getBlockByNumber', [`0x${number.toString(16)}`, false]));
        if (head !== null) observe(head, 'http');
      }
      if (pollDownReported)
        log.info({ source: KIND, http: httpTarget }, 'block source: polling answers again');
      pollDownReported = false;
    } catch (error) {
      if (stopped) return;
      if (!pollDownReported) {
        log.warn(
          { source: KIND, http: httpTarget, err: (error as Error).message },
          'block source: polling failed',
        );
      }
      pollDownReported = true;
    }
  }

  /** Polls now and then every `poll_interval_ms`, while there is no subscription; never two at once. */
  function schedulePoll(delayMs: number): void {
    clearTimeout(pollTimer);
    if (stopped || httpUrl === null || subscribed) return;
    pollTimer = setTimeout(() => {
      polling = pollOnce().then(() => schedulePoll(pollMs));
    }, delayMs);
  }

  /** A socket that just went down: poll at once rather than after a full interval. */
  function wakePoll(): void {
    if (httpUrl !== null)
      polling.then(
        () => schedulePoll(0),
        () => {},
      );
  }

  return {
    kind: KIND,
    start(callback) {
      if (onTick !== null) throw new Error(`${KIND} source: already started`);
      if (stopped) throw new Error(`${KIND} source: stopped`);
      onTick = callback;
      if (wsUrl !== null) connect();
      // With a WebSocket the poll waits for it to fail first; without one it starts now.
      else schedulePoll(0);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopping.abort();
      clearTimeout(reconnectTimer);
      clearTimeout(openTimer);
      clearTimeout(pollTimer);
      const ws = socket;
      socket = null;
      subscribed = false;
      ws?.close();
      await polling;
    },
  };
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
