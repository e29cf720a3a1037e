import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeResult } from './types.ts';

/** TCP connect probe: up when `host:port` accepts a connection in time; latency is the connect time. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const socket = connect({ host, port });
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ up: false, latency_ms: null, reason: `timeout after ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => finish({ up: true, latency_ms: performance.now() - started, reason: null }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ up: false, latency_ms: null, reason: error.code ?? error.message }),
    );
  });
}

/** The host and port an http(s) endpoint listens on (port 80/443 when the URL has none); null if not one. */
export function tcpAddressOf(endpoint: string | URL): { host: string; port: number } | null {
  let url: URL;
  try {
    url = typeof endpoint === 'string' ? new URL(endpoint) : endpoint;
  } catch {
    return null;
  }
  const defaultPort = url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : null;
  if (defaultPort === null) return null;
  // IPv6 literals come back bracketed from URL; net.connect wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port === '' ? defaultPort : Number(url.port) };
}
