import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.ts';

/** See docs/design/work-contract.md. */
export function jobRoutes(_app: FastifyInstance, _deps: ApiDeps): void {}
