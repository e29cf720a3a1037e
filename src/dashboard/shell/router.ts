import { useEffect, useState } from 'preact/hooks';

/**
 * Pages live in the URL's fragment (`/#/nodes/sim-004?sort=uptime`), so the dashboard at `/`
 * never shadows an API path such as `/nodes`, and a reload or a shared link opens the same page.
 */
export interface Location {
  path: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): Location {
  const text = hash.replace(/^#/, '') || '/';
  const [rawPath = '/', rawQuery = ''] = text.split('?', 2);
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  return { path, query: new URLSearchParams(rawQuery) };
}

/** The parameters of `pattern` (`/nodes/:node_id`) in `path`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    const actual = have[i] as string;
    if (segment.startsWith(':')) {
      try {
        params[segment.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (segment !== actual) return null;
  }
  return params;
}

/** The link to a page: `href('/nodes/a b', {sort: 'uptime'})` is `#/nodes/a%20b?sort=uptime`. */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return `#${path}${text === '' ? '' : `?${text}`}`;
}

/** Goes to a page; `replace` keeps the browser's history from filling with filter changes. */
export function navigate(to: string, { replace = false } = {}): void {
  const target = to.startsWith('#') ? to : `#${to}`;
  if (replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useLocation(): Location {
  const [location, setLocation] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const update = () => setLocation(parseHash(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return location;
}
