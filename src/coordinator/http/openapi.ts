import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { type Access, effectiveAccess } from '../auth/plugin.ts';
import { accessSentence, extensionOf, SECURITY_SCHEMES, securityOf } from './openapi-access.ts';
import { completeResponses, PROBLEM_SCHEMA } from './openapi-responses.ts';

// /openapi.json is what operators point their tools at (linters, client generators, gateways),
// so it must say what the API really does: each operation's id, access and every status it can
// answer, errors as problem+json. `test/coordinator/api/openapi-lint.test.ts` lints it and the
// test app checks every status the suite sees against it (decision 0054).

type Operation = Record<string, unknown> & { description?: string };
type Paths = Record<string, Record<string, Operation>>;

/** `/nodes/:node_id` as OpenAPI writes it: `/nodes/{node_id}`. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * `get /nodes/{node_id}/states` → `getNodesByNodeIdStates`: derived from what identifies an
 * operation already, so it is unique and stable without a name to keep per route.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      const parts = (param?.[1] ?? segment).split(/[^A-Za-z0-9]+/).filter((p) => p !== '');
      const camel = parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1));
      return param === null ? camel : ['By', ...camel];
    });
  return method.toLowerCase() + words.join('');
}

/** Registers @fastify/swagger with Vigil's description of each operation. */
export async function registerOpenApi(
  app: FastifyInstance,
  { version, readsNeedKey }: { version: string; readsNeedKey: boolean },
): Promise<void> {
  // Each route's access as it is added; the document is written later, from the schemas.
  const accessOf = new Map<string, Access>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const access = effectiveAccess(method, route.url, route.config?.access);
      accessOf.set(`${method.toLowerCase()} ${openApiPath(route.url)}`, access);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vigil coordinator API',
        version,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description:
          'Node registry, heartbeats, job outcomes, the SLA engine, epochs and settlements. Errors are RFC 9457 ' +
          'problem+json. Each operation says what it needs in `security`, in `x-vigil-access` ("public", "read" ' +
          '(any key), "node-signed", or the roles that may call it) and in its description: an API key as ' +
          '`Authorization: Bearer <key>`, or, for the calls a node makes, a signature with the node’s key in ' +
          'the x-vigil-* headers (docs/api.md).',
      },
      // Relative: the coordinator that served this document, wherever it is reached.
      servers: [{ url: '/', description: 'The coordinator serving this document' }],
      components: { securitySchemes: SECURITY_SCHEMES as never },
    },
    transformObject(document) {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const { openapiObject } = document;
      openapiObject.components = {
        ...openapiObject.components,
        schemas: { ...openapiObject.components?.schemas, Problem: PROBLEM_SCHEMA as never },
      };
      const paths = (openapiObject.paths ?? {}) as unknown as Paths;
      for (const [path, operations] of Object.entries(paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const access = accessOf.get(`${method} ${path}`);
          if (access === undefined) continue;
          describeOperation(operation, { method, path, access, readsNeedKey });
        }
      }
      return openapiObject;
    },
  });
}

function describeOperation(
  operation: Operation,
  {
    method,
    path,
    access,
    readsNeedKey,
  }: { method: string; path: string; access: Access; readsNeedKey: boolean },
): void {
  operation['operationId'] ??= operationIdOf(method, path);
  operation['security'] = securityOf(access, readsNeedKey);
  operation['x-vigil-access'] = extensionOf(access);
  const sentence = accessSentence(access, readsNeedKey);
  if (operation.description === undefined) operation.description = sentence;
  else if (!operation.description.includes(sentence)) operation.description += `\n\n${sentence}`;
  completeResponses(operation, { access, method, path });
}
