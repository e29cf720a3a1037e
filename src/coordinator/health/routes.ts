import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import type { Store } from '../../store/store.ts';
import { Unavailable } from '../errors.ts';

export interface HealthDeps {
  store: Store;
  registry: Registry;
}

/** Liveness, readiness and the Prometheus endpoint. */
export function healthRoutes(app: FastifyInstance, { store, registry }: HealthDeps): void {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'The process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'The coordinator can reach its database',
        response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }) },
      },
    },
    async () => {
      try {
        await store.ping();
      } catch (error) {
        throw new Unavailable(
          'not-ready',
          'Not ready',
          `the database is unreachable: ${(error as Error).message}`,
        );
      }
      return { status: 'ready' as const, database: store.capabilities.dialectName };
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'read' },
      schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)' },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}
