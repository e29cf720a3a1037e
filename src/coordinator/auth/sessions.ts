import { randomBytes } from 'node:crypto';
import type { Db } from '../../store/capabilities.ts';
import {
  endWebSession,
  findSessionKey,
  insertWebSession,
  type WebSessionRow,
} from '../../store/repositories/web-sessions.ts';
import { hashKey, type VerifiedKey } from './keys.ts';

/** The cookie that carries a dashboard session. */
export const SESSION_COOKIE = 'vigil_session';

export interface SessionOptions {
  sessionTtlMs: number;
  linkTtlMs: number;
  /** How long a checked session is cached; sign-out in this process drops it at once. */
  cacheTtlMs: number;
  now: () => number;
}

export interface StartedSession {
  token: string;
  key: VerifiedKey;
  expiresAt: number;
}

/**
 * Dashboard sign-ins (decision 0063). A browser exchanges an API key, or a one-time link
 * made from one, for a session token kept in an HttpOnly cookie; the session acts with that
 * key's role and scope until it expires, is signed out of, or the key is revoked. Tokens are
 * random and stored only as hashes, like API keys.
 */
export function createSessions(db: Db, { sessionTtlMs, linkTtlMs, cacheTtlMs, now }: SessionOptions) {
  const cache = new Map<string, { key: VerifiedKey; expiresAt: number; checkedUntil: number }>();

  async function issue(kind: WebSessionRow['kind'], keyId: string, ttlMs: number) {
    const token = randomBytes(32).toString('base64url');
    const at = now();
    await insertWebSession(db, {
      token_hash: hashKey(token),
      kind,
      key_id: keyId,
      created_at: at,
      expires_at: at + ttlMs,
    });
    return { token, expiresAt: at + ttlMs };
  }

  return {
    /** A new session for a key that was just verified. */
    async start(key: VerifiedKey): Promise<StartedSession> {
      const { token, expiresAt } = await issue('session', key.id, sessionTtlMs);
      return { token, key, expiresAt };
    },

    /** A one-time sign-in link's token for the key with this id. */
    async link(keyId: string): Promise<{ token: string; expiresAt: number }> {
      return issue('link', keyId, linkTtlMs);
    },

    /** Uses up a one-time link and starts a session in its place; null when it is no good. */
    async redeem(linkToken: string): Promise<StartedSession | null> {
      const hash = hashKey(linkToken);
      const found = await findSessionKey(db, hash, 'link', now());
      if (found === undefined || !(await endWebSession(db, hash, now()))) return null;
      const { expires_at: _, ...key } = found;
      return this.start(key);
    },

    /** The key a session token acts with, or null when the session is over. */
    async verify(token: string): Promise<{ key: VerifiedKey; expiresAt: number } | null> {
      const hash = hashKey(token);
      const at = now();
      const hit = cache.get(hash);
      if (hit !== undefined && hit.checkedUntil > at && hit.expiresAt > at) return hit;
      const found = await findSessionKey(db, hash, 'session', at);
      if (found === undefined) {
        cache.delete(hash);
        return null;
      }
      const { expires_at, ...key } = found;
      const entry = { key, expiresAt: expires_at, checkedUntil: at + cacheTtlMs };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, entry);
      return entry;
    },

    /** Signs out: the session stops working at once; false when it was already over. */
    async end(token: string): Promise<boolean> {
      const hash = hashKey(token);
      cache.delete(hash);
      return endWebSession(db, hash, now());
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
