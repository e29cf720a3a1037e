import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

export interface Listening {
  /** http://host:port, with an IPv6 address in brackets. */
  url: string;
  /** Stops listening and drops kept-alive connections, so close never waits on an idle client. */
  close(): Promise<void>;
}

/**
 * Puts a node:http server on a port (0 picks a free one); a bind error (port taken) rejects
 * instead of being thrown later as an unhandled 'error' event. The small servers of agents,
 * workers and the simulator all start and stop this way.
 */
export async function listen(server: Server, port: number, host: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Refuses, with the reason, when `port` cannot be bound on `host` (taken, or not allowed), by
 * binding it for a moment. A process checks this before it creates anything on disk, so a
 * start that fails on its port leaves nothing behind. Port 0 always passes.
 */
export async function ensurePortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use; stop what holds it or choose another --port`
            : `cannot listen on ${host}:${port}: ${err.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
