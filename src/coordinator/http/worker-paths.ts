// Worker ids hold `/` (`node-a/main`), which a path parameter cannot. Clients and people
// write them as they are (`/workers/node-a/main`), so such paths are rewritten before routing
// to the escaped form the routes take (`/workers/node-a%2Fmain`). A trailing action or
// sub-resource (`/enable`, `/states`) stays one; a worker whose id ends in one of those words
// must be sent escaped.

const POOL_ACTIONS = new Set(['enable', 'disable', 'restart']);

const STATES = new Set(['states']);

/** Only the slashes: the rest of the id is passed on as it was sent, escaped or not. */
function escapeId(id: string): string {
  return id.replaceAll('/', '%2F');
}

/** The rest of a path after a prefix: the worker id, and a trailing word from `suffixes`. */
function splitId(rest: string, suffixes: ReadonlySet<string>): { id: string; suffix: string } {
  const last = rest.lastIndexOf('/');
  if (last > 0 && suffixes.has(rest.slice(last + 1))) {
    return { id: rest.slice(0, last), suffix: `/${rest.slice(last + 1)}` };
  }
  return { id: rest, suffix: '' };
}

/** `url` with a worker id's slashes escaped, or `url` unchanged when it names no such id. */
export function rewriteWorkerPath(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : url.slice(queryAt);
  const pool = /^\/pools\/([^/]+)\/workers\/(.+)$/.exec(path);
  if (pool !== null) {
    const { id, suffix } = splitId(pool[2] as string, POOL_ACTIONS);
    if (!id.includes('/')) return url;
    return `/pools/${pool[1]}/workers/${escapeId(id)}${suffix}${query}`;
  }
  const worker = /^\/workers\/(.+)$/.exec(path);
  if (worker !== null) {
    const { id, suffix } = splitId(worker[1] as string, STATES);
    if (!id.includes('/')) return url;
    return `/workers/${escapeId(id)}${suffix}${query}`;
  }
  return url;
}
