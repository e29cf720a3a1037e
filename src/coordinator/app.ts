import fastifyCookie from '@fastify/cookie';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { VigilConfig } from '../config/schema.ts';
import type { Logger } from '../platform/log.ts';
import type { Store } from '../store/store.ts';
import { createKeyVerifier, type VerifiedKey } from './auth/keys.ts';
import { registerAuth } from './auth/plugin.ts';
import type { Sessions } from './auth/sessions.ts';
import { createSignedRequestVerifier } from './auth/signed-requests.ts';
import type { StoreHealth } from './health/store-health.ts';
import { registerAudit } from './http/audit.ts';
import { registerConditionalGets } from './http/conditional-get.ts';
import { registerJsonBodies } from './http/json-body.ts';
import { registerRequestMetrics } from './http/metrics.ts';
import { registerOpenApi } from './http/openapi.ts';
import { frameworkErrorHandler, notFoundHandler, problemErrorHandler } from './http/problem.ts';
import { type GracefulShutdown, registerGracefulShutdown } from './http/shutdown.ts';
import { createValidatorCompiler } from './http/validation.ts';
import { rewriteWorkerPath } from './http/worker-paths.ts';

const VERSION = '0.1.0';

export interface AppOptions {
  store: Store;
  config: Pick<VigilConfig, 'api' | 'auth'>;
  /** Dashboard sessions, which a session cookie is checked against. */
  sessions?: Sessions;
  registry: Registry;
  log: Logger;
  now: () => number;
  /** Told of every error that says the store cannot serve, for readiness. */
  health: StoreHealth;
  /** Adds the features' routes, once the cross-cutting parts (auth, errors, audit) are in place. */
  routes(app: FastifyInstance, tools: { verifyKey: (key: string) => Promise<VerifiedKey | null> }): void;
}

/**
 * The coordinator's HTTP API as a Fastify instance, not yet listening: problem+json errors,
 * validation, API keys and node signatures, the audit log, request metrics and the OpenAPI
 * description, around the routes the features register. Tests drive it with `app.inject`.
 */
export async function buildApp({
  store,
  config,
  registry,
  log,
  now,
  health,
  sessions,
  routes,
}: AppOptions): Promise<{ app: FastifyInstance; shutdown: GracefulShutdown }> {
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    // One log line per request is too much at ingest rates; request metrics cover it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.api.body_limit_bytes,
    trustProxy: false,
    // Closing is answered by registerGracefulShutdown, as problem+json.
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
    // Worker ids hold `/`; a path that writes one as it is reaches the route all the same.
    rewriteUrl: (request) => rewriteWorkerPath(request.url ?? '/'),
  });
  // The API speaks JSON only; without this, text/plain bodies reach validation as strings
  // instead of getting a 415.
  app.removeContentTypeParser('text/plain');
  const shutdown = registerGracefulShutdown(app);
  registerJsonBodies(app, (access) => access === 'node-signed');
  refuseUnknownQueryParameters(app);
  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler(
    problemErrorHandler(log, {
      bodyLimitBytes: config.api.body_limit_bytes,
      storeUnavailable(error) {
        if (!store.isUnavailable(error)) return false;
        health.noteUnavailable(error);
        return true;
      },
    }),
  );
  app.setNotFoundHandler(notFoundHandler);

  await registerOpenApi(app, { version: VERSION, readsNeedKey: config.auth.require_key_for_reads });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  const verifyKey = createKeyVerifier(store.db, { ttlMs: config.auth.key_cache_ttl_s * 1000 });
  const signaturesRefused = new Counter({
    name: 'vigil_signed_requests_refused_total',
    help: 'Node-signed requests refused, by reason (the problem slug)',
    labelNames: ['reason'],
    registers: [registry],
  });
  await app.register(fastifyCookie);
  registerAuth(app, {
    verify: verifyKey,
    ...(sessions === undefined ? {} : { sessions }),
    requireKeyForReads: config.auth.require_key_for_reads,
    signed: createSignedRequestVerifier({
      db: store.db,
      windowMs: config.auth.signed_request_window_s * 1000,
      now,
      onRefused: (reason) => signaturesRefused.inc({ reason }),
    }),
  });
  registerAudit(app, { db: store.db, log, now });
  registerRequestMetrics(app, registry);
  registerConditionalGets(app);

  routes(app, { verifyKey });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return { app, shutdown };
}

/**
 * A route that declares no query parameters refuses any, as the routes that declare some
 * refuse the others: a misspelt `?limit` must not be silently ignored. The browsable docs
 * (a plugin's routes) are left as they are.
 */
function refuseUnknownQueryParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) return;
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema['querystring'] !== undefined) return;
    route.schema = {
      ...schema,
      querystring: { type: 'object', properties: {}, additionalProperties: false },
    };
  });
}
