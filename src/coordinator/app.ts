import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { createKeyVerifier } from './auth/keys.ts';
import { registerAuth } from './auth/plugin.ts';
import { keepRawJsonBodies } from './auth/raw-body.ts';
import { createSignedRequestVerifier } from './auth/signed-requests.ts';
import { identityRoutes } from './epochs/identity-routes.ts';
import { interimRoutes } from './epochs/interim-routes.ts';
import { reportRoutes } from './epochs/report-routes.ts';
import { epochRoutes } from './epochs/routes.ts';
import { healthRoutes } from './health/routes.ts';
import { registerAudit } from './http/audit.ts';
import { notFoundHandler, problemErrorHandler } from './http/problem.ts';
import { createValidatorCompiler } from './http/validation.ts';
import { telemetryRoutes } from './ingest/routes.ts';
import { jobRoutes } from './jobs/routes.ts';
import { workRoutes } from './jobs/worker-routes.ts';
import { nodeRoutes } from './nodes/routes.ts';
import type { ApiDeps } from './routes/deps.ts';
import { slaRoutes } from './sla/routes.ts';
import { topicRoutes } from './topics/routes.ts';
import { workerRoutes } from './workers/routes.ts';
import { verificationRoutes } from './workers/verification-routes.ts';

const VERSION = '0.1.0';

/**
 * The coordinator's HTTP API as a Fastify instance, not yet listening: tests drive it with
 * `app.inject`, the `coordinator` command puts it on a port.
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, log, metrics } = deps;
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    // One log line per request is too much at ingest rates; request metrics cover it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.api.body_limit_bytes,
    trustProxy: false,
    return503OnClosing: true,
  });
  // The API speaks JSON only; without this, text/plain bodies reach validation as strings
  // instead of getting a 415.
  app.removeContentTypeParser('text/plain');
  keepRawJsonBodies(app, (access) => access === 'node-signed');
  app.setValidatorCompiler(createValidatorCompiler());
  app.setErrorHandler(problemErrorHandler(log, { bodyLimitBytes: config.api.body_limit_bytes }));
  app.setNotFoundHandler(notFoundHandler);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vigil coordinator API',
        version: VERSION,
        description:
          'Node registry, heartbeats, job outcomes, the SLA engine, epochs and settlements. Errors are RFC 9457 problem+json. ' +
          'Mutating calls need `Authorization: Bearer <api key>` with a suitable role; reports and interim ' +
          'summaries are signed with the node’s key instead (x-vigil-* headers, see docs/api.md).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });

  registerAuth(app, {
    verify: createKeyVerifier(deps.store.db, { ttlMs: config.auth.key_cache_ttl_s * 1000 }),
    requireKeyForReads: config.auth.require_key_for_reads,
    signed: createSignedRequestVerifier({
      db: deps.store.db,
      windowMs: config.auth.signed_request_window_s * 1000,
      now: deps.now,
      onRefused: (reason) => metrics.signedRequestsRefused.inc({ reason }),
    }),
  });
  registerAudit(app, { db: deps.store.db, log, now: deps.now });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  healthRoutes(app, deps);
  nodeRoutes(app, deps);
  telemetryRoutes(app, deps);
  slaRoutes(app, deps);
  epochRoutes(app, deps);
  reportRoutes(app, deps);
  interimRoutes(app, deps);
  identityRoutes(app, deps);
  topicRoutes(app, deps);
  jobRoutes(app, deps);
  workRoutes(app, deps);
  workerRoutes(app, deps);
  verificationRoutes(app, deps);
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return app;
}
