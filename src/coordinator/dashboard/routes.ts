import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm install` (the `prepare` script) and the tests put the built dashboard. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));

/**
 * What the dashboard's pages may do: scripts and styles from this origin only (uPlot sizes
 * its canvas with inline styles), calls to this origin only, no framing.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function secureHeaders(reply: FastifyReply, path: string): void {
  reply.header('x-content-type-options', 'nosniff');
  if (path.endsWith('.html')) {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('cache-control', 'no-cache');
    reply.header('referrer-policy', 'same-origin');
  } else if (path.includes('/assets/')) {
    // Vite names built assets by their content's hash: a changed file gets a new name.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
  }
}

/**
 * The dashboard (src/dashboard, docs/dashboard.md): a static browser app at `/` that uses only
 * the public API, so serving it needs no key; what it shows still needs one. Its pages live
 * in the URL's fragment (`/#/nodes`), so they never collide with the API's own paths.
 */
export function dashboardRoutes(app: FastifyInstance, { dir = DASHBOARD_DIR } = {}): void {
  if (!existsSync(`${dir}/index.html`)) {
    app.get(
      '/',
      { config: { access: 'public' }, schema: { hide: true } },
      async (_request, reply: FastifyReply) =>
        reply
          .type('text/html; charset=utf-8')
          .send(
            '<!doctype html><meta charset="utf-8"><title>Vigil</title><p>The dashboard is not built. Run <code>npm run build:dashboard</code> (<code>npm install</code> does it) and restart the coordinator.</p>',
          ),
    );
    return;
  }
  app.register(async (scope) => {
    // The files are the same for everyone: public, whatever the key rules for the API are.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await scope.register(fastifyStatic, {
      root: dir,
      wildcard: false,
      index: ['index.html'],
      // The build writes .br and .gz beside each text file (tools/build-dashboard.ts): the one
      // the browser accepts is sent as it is, with Vary: Accept-Encoding.
      preCompressed: true,
      setHeaders: secureHeaders,
    });
  });
}
