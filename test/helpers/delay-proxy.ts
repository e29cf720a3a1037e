import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy on loopback that holds every chunk for half the round trip in each direction,
 * in order: a path with a round trip of `roundTripMs` in front of a real server. The kernel
 * accepts the client's connection at once, so a bare TCP connect does not pay the delay, but
 * everything carried over it does: a TLS handshake costs a full round trip, as on a real link.
 */
export interface DelayProxy {
  readonly port: number;
  roundTripMs: number;
  close(): Promise<void>;
}

export async function startDelayProxy(
  target: { host: string; port: number },
  roundTripMs: number,
): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const proxy = { roundTripMs } as { roundTripMs: number };
  // Every chunk leaves `half` after it came, and never before the chunk ahead of it.
  const relay = (from: Socket, to: Socket) => {
    let last = 0;
    from.on('data', (chunk: Buffer) => {
      const due = Math.max(Date.now() + proxy.roundTripMs / 2, last);
      last = due;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, due - Date.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, last - Date.now())));
  };
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    upstream.connect(target.port, target.host);
    relay(client, upstream);
    relay(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(proxy, {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
}
