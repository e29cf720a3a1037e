import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../platform/log.ts';
import type { Db } from '../../store/capabilities.ts';
import { recordAudit } from '../../store/repositories/audit.ts';

/**
 * Routes whose calls are telemetry or the work protocol, recorded in their own tables
 * (heartbeat slices, job outcomes, jobs and their attempts, worker states) and counted in
 * metrics rather than written row-per-request to the audit log: each host syncs with every
 * heartbeat and claims without pause, which would make the audit log the largest table for no
 * question an auditor asks (docs/decisions/0007-audit-log-scope.md).
 */
const NOT_AUDITED = new Set([
  '/nodes/:node_id/heartbeat',
  '/outcomes',
  '/epochs/:epoch/interim',
  '/workers/sync',
  '/topics/:topic/claim',
  '/leases/extend',
  '/results',
  '/topics/:topic/verifications/claim',
  '/verdicts',
  '/jobs',
]);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every mutating call, allowed or refused, lands in the audit log after its response is sent. */
export function registerAudit(
  app: FastifyInstance,
  { db, log, now }: { db: Db; log: Logger; now: () => number },
): void {
  app.addHook('onResponse', async (request, reply) => {
    if (!MUTATING.has(request.method)) return;
    const route = request.routeOptions.url ?? 'unmatched';
    if (NOT_AUDITED.has(route)) return;
    try {
      await recordAudit(db, {
        at: now(),
        // A node-signed call is the signing node's (once its signature checked out).
        actor: request.actor?.prefix ?? (request.signer === null ? 'anonymous' : `node:${request.signer}`),
        role: request.actor?.role ?? (request.signer === null ? null : 'node-signed'),
        method: request.method,
        route,
        path: request.url,
        status_code: reply.statusCode,
        request_id: String(request.id),
        ip: request.ip ?? null,
        detail: JSON.stringify({ params: request.params ?? {} }),
      });
    } catch (err) {
      log.error({ err, request_id: request.id }, 'audit log write failed');
    }
  });
}
