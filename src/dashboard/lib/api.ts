/**
 * The dashboard's only way to the coordinator: the documented API on this origin, with the
 * session cookie (same-origin), JSON in and out, and problem+json errors turned into ApiError.
 */

/** An answer the API gave with an error status, with its problem details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
  ) {
    super(detail === '' ? `${status} ${title}` : detail);
    this.name = 'ApiError';
  }
  /** The coordinator or its store is away for now: worth trying again later. */
  get transient(): boolean {
    return this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** The coordinator could not be reached at all. */
export class ConnectionError extends Error {
  constructor(cause: unknown) {
    super('the coordinator cannot be reached', { cause });
    this.name = 'ConnectionError';
  }
}

type SignedOutListener = () => void;
const signedOutListeners = new Set<SignedOutListener>();

/** Told when a call finds the session over (a 401), so the shell can ask to sign in again. */
export function onSignedOut(listener: SignedOutListener): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

async function problemOf(response: Response): Promise<ApiError> {
  let title = response.statusText;
  let detail = '';
  try {
    const body = (await response.json()) as { title?: unknown; detail?: unknown };
    if (typeof body.title === 'string') title = body.title;
    if (typeof body.detail === 'string') detail = body.detail;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return new ApiError(response.status, title, detail);
}

async function send(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ConnectionError(error);
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    if (problem.status === 401 && path !== '/auth/session')
      for (const listener of signedOutListeners) listener();
    throw problem;
  }
  return response;
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  { signal }: { signal?: AbortSignal } = {},
): Promise<T> {
  const response = await send(method, path, body, signal);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** One page of a list that announces the next with `Link: <…>; rel="next"` (docs/api.md, Pagination). */
export interface LinkedPage<T> {
  items: T[];
  /** The next page's path and query, as the API wrote it; null on the last page. */
  next: string | null;
}

/** The target of a `Link` header's `rel="next"`, or null. */
export function nextLinkOf(link: string | null): string | null {
  if (link === null) return null;
  return /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] ?? null;
}

/** A GET of a bare-array list paged by a `Link` header: the items and where the next page is. */
export async function getLinkedPage<T>(
  path: string,
  { signal }: { signal?: AbortSignal } = {},
): Promise<LinkedPage<T>> {
  const response = await send('GET', path, undefined, signal);
  return { items: (await response.json()) as T[], next: nextLinkOf(response.headers.get('link')) };
}

export const getJson = <T>(path: string, options?: { signal?: AbortSignal }) =>
  request<T>('GET', path, undefined, options);

/** A query string from the set values only: `query({a: 1, b: undefined})` is `?a=1`. */
export function query(values: Record<string, string | number | boolean | null | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
