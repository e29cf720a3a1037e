import { Server as NetServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sleep } from '../../platform/wait.ts';
import { ProblemError } from './problem.ts';

/** How long a closing coordinator lets its open connections finish before it cuts them. */
export const SHUTDOWN_GRACE_MS = 2_000;
const RETRY_AFTER_S = 5;

export interface GracefulShutdown {
  /**
   * Stops taking connections, answers every request it still reads with 503 problem+json and
   * `Connection: close`, lets the requests in flight finish, and closes what is left once the
   * connections are gone or the grace is over.
   */
  drain(): Promise<void>;
}

/**
 * Shutting down without resetting requests: closing the listening socket is separate from
 * closing connections (Node's `server.close()` also closes idle keep-alive ones at once, which
 * resets a request a client sent on one a moment earlier). Every response sent once closing
 * starts says `Connection: close`, so clients stop reusing their connections and the server
 * closes each after its answer; only connections that stay silent the whole grace are cut.
 * Register before authentication, so a closing coordinator answers 503, not 401.
 */
export function registerGracefulShutdown(
  app: FastifyInstance,
  { graceMs = SHUTDOWN_GRACE_MS }: { graceMs?: number } = {},
): GracefulShutdown {
  let closing = false;
  app.addHook('onRequest', async () => {
    if (!closing) return;
    throw new ProblemError(
      503,
      'shutting-down',
      'Shutting down',
      'this coordinator is shutting down; send the request again (to another coordinator, or to this one once it is back)',
      { headers: { 'Retry-After': String(RETRY_AFTER_S) } },
    );
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  return {
    async drain() {
      closing = true;
      const server = app.server;
      if (!server.listening) return;
      // The net.Server close: stop accepting, leave the open connections to finish.
      NetServer.prototype.close.call(server);
      const deadline = Date.now() + graceMs;
      while (Date.now() < deadline && (await openConnections(server)) > 0) await sleep(20);
      server.closeAllConnections();
    },
  };
}

function openConnections(server: NetServer): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
}
