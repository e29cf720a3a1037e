import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { Type } from 'typebox';
import { probeWrite } from '../../store/repositories/readiness.ts';
import type { Store } from '../../store/store.ts';
import { STORE_RETRY_AFTER_S, Unavailable } from '../errors.ts';
import type { StoreHealth } from './store-health.ts';

export interface HealthDeps {
  store: Store;
  registry: Registry;
  health: StoreHealth;
  now: () => number;
  /** `auth.require_key_for_metrics`: /metrics needs a read (or operator) key unless off. */
  metricsNeedKey: boolean;
}

/** Liveness, readiness and the Prometheus endpoint. */
export function healthRoutes(
  app: FastifyInstance,
  { store, registry, health, now, metricsNeedKey }: HealthDeps,
): void {
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
        summary: 'The coordinator can write to its database',
        response: { 200: Type.Object({ status: Type.Literal('ready'), database: Type.String() }) },
      },
    },
    async () => {
      const at = now();
      const recent = health.recentFailure(at);
      if (recent !== null) {
        throw new Unavailable(
          'not-ready',
          'Not ready',
          `the database refused a write ${at - recent.at} ms ago: ${recent.message}`,
          { retryAfterS: STORE_RETRY_AFTER_S },
        );
      }
      try {
        await probeWrite(store.db, at);
      } catch (error) {
        if (store.isUnavailable(error)) health.noteUnavailable(error);
        throw new Unavailable(
          'not-ready',
          'Not ready',
          `the database takes no writes: ${(error as Error).message}`,
          {
            retryAfterS: STORE_RETRY_AFTER_S,
          },
        );
      }
      return { status: 'ready' as const, database: store.capabilities.dialectName };
    },
  );

  app.get(
    '/metrics',
    {
      // The fleet's figures are not for anyone who can reach the port: Prometheus scrapes with
      // a read key as its bearer token (docs/operations.md), unless the operator opens it.
      config: { access: metricsNeedKey ? ['read', 'operator'] : 'public' },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        // Declared as what it is, so a generated client reads text instead of parsing JSON.
        response: {
          200: {
            description: 'The Prometheus text exposition format, version 0.0.4',
            content: { 'text/plain; version=0.0.4': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}
