import type { FastifyInstance } from 'fastify';

// A generated client parses only the statuses /openapi.json declares, so every status a route
// answers must be declared there. Rather than guess, every test app records what the suite
// really sees, per route, and the app's close refuses to pass when one was not declared
// (decision 0054). The whole test suite is the exercise.

type Responses = Record<string, unknown>;
type Paths = Record<string, Record<string, { responses?: Responses }>>;

/** `/nodes/:node_id` as OpenAPI writes it: `/nodes/{node_id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export interface StatusRecorder {
  /** `METHOD /path status` for every answer the document does not declare, once each. */
  undeclared(): string[];
}

/** Records (method, route, status) of every answer the app gives, from now on. */
export function recordStatuses(app: FastifyInstance): StatusRecorder {
  const seen = new Map<string, { method: string; path: string; status: number }>();
  app.addHook('onResponse', async (request, reply) => {
    const url = request.routeOptions.url;
    if (url === undefined) return; // no route: the not-found handler, not an operation
    // Fastify answers HEAD with the GET route.
    const method = request.method === 'HEAD' ? 'get' : request.method.toLowerCase();
    const path = openApiPath(url);
    seen.set(`${method} ${path} ${reply.statusCode}`, { method, path, status: reply.statusCode });
  });
  return {
    undeclared() {
      if (seen.size === 0) return [];
      const paths = (app.swagger() as unknown as { paths: Paths }).paths;
      const missing: string[] = [];
      for (const { method, path, status } of seen.values()) {
        const operation = paths[path]?.[method];
        if (operation === undefined) continue; // hidden routes: /openapi.json, /docs
        const responses = operation.responses ?? {};
        if (!(String(status) in responses) && !(`${String(status)[0]}XX` in responses)) {
          missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
      return missing.sort();
    },
  };
}
