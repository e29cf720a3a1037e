import { request } from '../lib/api.ts';

/** Who the browser is signed in as (GET /auth/session). */
export interface Identity {
  signed_in: true;
  role: 'admin' | 'operator' | 'node' | 'tenant' | 'read';
  key_prefix: string;
  tenant: string | null;
  operator: string | null;
  node_id: string | null;
  via: 'session' | 'key';
  expires_at: string | null;
}

/** The current session, or null when there is none. */
export async function currentSession(): Promise<Identity | null> {
  const answer = await request<Identity | { signed_in: false }>('GET', '/auth/session');
  return answer.signed_in ? answer : null;
}

export function signIn(key: string): Promise<Identity> {
  return request<Identity>('POST', '/auth/session', { key });
}

export function signOut(): Promise<void> {
  return request<void>('DELETE', '/auth/session');
}
