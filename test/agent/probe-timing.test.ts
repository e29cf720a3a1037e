import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp, probeStatus } from '../../src/agent/probes/index.ts';
import type { ProbeAgents } from '../../src/agent/probes/types.ts';
import { type DelayProxy, startDelayProxy } from '../helpers/delay-proxy.ts';

// Issue 11, part A: what one probe measures must not depend on what the previous probe did.
// A timed-out probe destroys its connection, so the next one opens a new one; over TLS that
// costs a round trip before the request can go. A real HTTPS server behind a proxy that delays
// both directions gives loopback a round trip, handshake included.

const TIMEOUT_MS = 500;
const ROUND_TRIP_MS = 0.6 * TIMEOUT_MS;
const support = new URL('./support/', import.meta.url);
const cert = readFileSync(new URL('loopback-tls.crt', support));
const key = readFileSync(new URL('loopback-tls.key', support));

describe('one probe: set-up outside the measured window', () => {
  let server: https.Server;
  let proxy: DelayProxy;
  let silent: TcpServer;
  let silentPort: number;
  const held = new Set<Socket>();
  /** How long the server takes before it answers: raised above the timeout to time a probe out. */
  let answerDelayMs = 0;
  const agents: ProbeAgents = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true, ca: cert }),
  };

  beforeAll(async () => {
    server = https.createServer({ cert, key }, (req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.url === '/status' ? '{"status":"ok"}' : '{}');
      }, answerDelayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = await startDelayProxy(
      { host: '127.0.0.1', port: (server.address() as { port: number }).port },
      ROUND_TRIP_MS,
    );
    // Accepts TCP and then says nothing: a TLS handshake there never finishes.
    silent = createTcpServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    agents.http.destroy();
    agents.https.destroy();
    for (const socket of held) socket.destroy();
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  const url = () => `https://127.0.0.1:${proxy.port}/health`;

  it('a round trip of 0.6 × the timeout is up on a new connection, and the latency is the request alone', async () => {
    const first = await probeHttp(url(), TIMEOUT_MS, { agents });
    expect(first).toMatchObject({ up: true, reason: null });
    // The handshake took a round trip before the request could go, and is not in the latency.
    expect(first.connect_ms).toBeGreaterThanOrEqual(ROUND_TRIP_MS);
    expect(first.latency_ms).toBeGreaterThanOrEqual(ROUND_TRIP_MS);
    expect(first.latency_ms).toBeLessThan(2 * ROUND_TRIP_MS);

    const reused = await probeHttp(url(), TIMEOUT_MS, { agents });
    expect(reused).toMatchObject({ up: true, connect_ms: null });
    expect(reused.latency_ms).toBeGreaterThanOrEqual(ROUND_TRIP_MS);
    expect(reused.latency_ms).toBeLessThan(2 * ROUND_TRIP_MS);
  });

  it('after a timed-out probe the next one, on a new connection, is up again', async () => {
    answerDelayMs = 2 * TIMEOUT_MS;
    const timedOut = await probeHttp(url(), TIMEOUT_MS, { agents });
    expect(timedOut).toEqual({ up: false, latency_ms: null, reason: `timeout after ${TIMEOUT_MS} ms` });

    answerDelayMs = 0;
    for (let i = 0; i < 3; i++) {
      const next = await probeHttp(url(), TIMEOUT_MS, { agents });
      expect(next, `probe ${i + 1} after the timeout`).toMatchObject({ up: true, reason: null });
      expect(next.latency_ms).toBeLessThan(2 * ROUND_TRIP_MS);
      // The timed-out probe's connection was destroyed; only the first probe after it opens one.
      if (i === 0) expect(next.connect_ms).toBeGreaterThanOrEqual(ROUND_TRIP_MS);
      else expect(next.connect_ms).toBeNull();
    }
  });

  it('the /status probe gets the same two budgets', async () => {
    agents.https.destroy();
    const fresh: ProbeAgents = { http: agents.http, https: new https.Agent({ keepAlive: true, ca: cert }) };
    try {
      const status = await probeStatus(`https://127.0.0.1:${proxy.port}`, TIMEOUT_MS, { agents: fresh });
      expect(status).toMatchObject({ up: true, reason: null });
      expect(status.connect_ms).toBeGreaterThanOrEqual(ROUND_TRIP_MS);
    } finally {
      fresh.https.destroy();
    }
  });

  it('an answer slower than the timeout on a working connection is down, its set-up notwithstanding', async () => {
    answerDelayMs = TIMEOUT_MS + 100;
    try {
      const slow = await probeHttp(url(), TIMEOUT_MS, { agents });
      expect(slow).toEqual({ up: false, latency_ms: null, reason: `timeout after ${TIMEOUT_MS} ms` });
    } finally {
      answerDelayMs = 0;
    }
  });

  it('a connection that cannot be set up within its budget is down, and says so', async () => {
    const stuck = await probeHttp(`https://127.0.0.1:${silentPort}/health`, TIMEOUT_MS, { agents });
    expect(stuck).toEqual({ up: false, latency_ms: null, reason: `no connection within ${TIMEOUT_MS} ms` });
  });
});
