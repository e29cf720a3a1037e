import type { FunctionComponent } from 'preact';
import type { Identity } from './session.ts';

/** What a page gets from the shell: its path's parameters, the query and who is signed in. */
export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
  who: Identity;
}

export type Role = 'admin' | 'operator' | 'node' | 'tenant' | 'read';

/**
 * A page plugs into the shell with one of these, from its own folder under `pages/`
 * (`pages/<name>/page.ts`), listed once in `pages/index.ts`. Its component is loaded on
 * first visit, so each page is a chunk of its own and the first load stays small.
 */
export interface PageDefinition {
  /** `/nodes/:node_id`; matched against the fragment's path. */
  path: string;
  title: string;
  /** Shown in the navigation, in `order`; pages without it are reached by links. */
  nav?: { label: string; order: number };
  /** Who may open it; everyone signed in when omitted. The server enforces its own rules. */
  roles?: readonly Role[];
  load: () => Promise<{ default: FunctionComponent<PageProps> }>;
}

/** What a role may change; pages hide actions a role cannot take (the server refuses them anyway). */
export function canOperate(who: Identity): boolean {
  return who.role === 'admin' || who.role === 'operator';
}
