import type { SwaggerTransformObject } from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { type Access, effectiveAccess } from '../auth/plugin.ts';

// The OpenAPI document names each operation's access, so a client (and the dashboard) knows
// before calling which key, or which signature, an operation needs: `security` in OpenAPI's
// own terms, and `x-vigil-access` in ours (docs/api.md, "Access in the API description").

export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer vgl_…`' },
  nodeSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'x-vigil-signature',
    description:
      'Signed with the node’s ed25519 key: x-vigil-key-id, x-vigil-timestamp-ms, x-vigil-content-sha256 and x-vigil-signature (docs/api.md, node-signed requests)',
  },
} as const;

type Security = Array<Record<string, string[]>>;

/** `x-vigil-access`: "public", "read", "node-signed", or the roles that may call it (admin always may). */
export type AccessExtension = 'public' | 'read' | 'node-signed' | string[];

function securityOf(access: Access, readsNeedKey: boolean): Security {
  if (access === 'public') return [];
  if (access === 'node-signed') return [{ nodeSignature: [] }];
  if (access === 'read' && !readsNeedKey) return [{}, { bearer: [] }];
  return [{ bearer: [] }];
}

function extensionOf(access: Access): AccessExtension {
  return typeof access === 'string' ? access : [...access, 'admin'];
}

/** `/nodes/:node_id` as OpenAPI writes it: `/nodes/{node_id}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Records every route's access as it is added, and returns the transform that writes it into
 * the generated document's operations.
 */
export function describeAccess(
  app: FastifyInstance,
  { readsNeedKey }: { readsNeedKey: boolean },
): SwaggerTransformObject {
  const byOperation = new Map<string, Access>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const access = effectiveAccess(method, route.url, route.config?.access);
      byOperation.set(`${method.toLowerCase()} ${openApiPath(route.url)}`, access);
    }
  });
  return (document) => {
    if (!('openapiObject' in document)) return document.swaggerObject;
    const { openapiObject } = document;
    const paths = (openapiObject.paths ?? {}) as unknown as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const access = byOperation.get(`${method} ${path}`);
        if (access === undefined) continue;
        operation['security'] = securityOf(access, readsNeedKey);
        operation['x-vigil-access'] = extensionOf(access);
      }
    }
    return openapiObject;
  };
}
