import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { call, killAll, lines, runVigil, startCoordinator, tempDir } from './support.ts';

const KEY = /^vgl_[A-Za-z0-9_-]{43}$/;

describe('vigil keys', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: string;
  beforeEach(() => {
    dir = tempDir();
    db = join(dir.dir, 'vigil.db');
  });
  afterEach(async () => {
    await killAll();
    dir.cleanup();
  });

  async function create(role: string, label?: string) {
    const args = ['keys', 'create', '--role', role, '--database-url', db];
    if (label !== undefined) args.push('--label', label);
    const result = await runVigil(args);
    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    return { key: out.at(-1)!, out, result };
  }

  it('creates a key, prints it alone on the last line once, and stores only its sha256 hash', async () => {
    const { key, out } = await create('operator', 'ci deploy');
    expect(key).toMatch(KEY);
    // The key appears once, on its own line; the lines before it only describe it.
    expect(out.filter((line) => line.includes(key))).toEqual([key]);

    const store = openStore({ databaseUrl: db });
    try {
      const rows = await store.db.selectFrom('api_keys').selectAll().execute();
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
      expect(row.role).toBe('operator');
      expect(row.label).toBe('ci deploy');
      expect(row.revoked_at).toBeNull();
      expect(key.startsWith(row.prefix)).toBe(true);
      expect(row.prefix.length).toBeLessThan(key.length / 2);
      // No column holds the key itself.
      for (const value of Object.values(row))
        expect(String(value)).not.toContain(key.slice(row.prefix.length));
    } finally {
      await store.close();
    }
  });

  it('lists keys by prefix and role without showing the key or its hash', async () => {
    const operator = await create('operator', 'alice');
    const reader = await create('read');
    const list = await runVigil(['keys', 'list', '--database-url', db]);
    expect(list.code, list.stderr).toBe(0);
    const out = lines(list.stdout);
    expect(out).toHaveLength(2);
    for (const [{ key }, role] of [
      [operator, 'operator'],
      [reader, 'read'],
    ] as const) {
      const line = out.find((l) => l.includes(key.slice(0, 12)));
      expect(line, list.stdout).toBeDefined();
      expect(line).toMatch(new RegExp(`\\b${role}\\b`));
      expect(line).toMatch(/\bactive\b/);
      expect(list.stdout).not.toContain(key);
      expect(list.stdout).not.toContain(createHash('sha256').update(key).digest('hex'));
    }
    expect(out.find((l) => l.includes(operator.key.slice(0, 12)))).toContain('alice');
  });

  it('refuses an unknown role with a one-line message naming the choices, and stores nothing', async () => {
    const result = await runVigil(['keys', 'create', '--role', 'root', '--database-url', db]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/'root'/);
    expect(result.stderr).toMatch(/admin, operator, node, tenant, read/);
    if (existsSync(db)) {
      const store = openStore({ databaseUrl: db });
      try {
        expect(await store.db.selectFrom('api_keys').selectAll().execute()).toEqual([]);
      } finally {
        await store.close();
      }
    }
  });

  it('refuses to revoke a key that does not exist, exit 1 with a one-line message', async () => {
    const result = await runVigil(['keys', 'revoke', 'vgl_nope', '--database-url', db]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual(['vigil: no active key with id or prefix vgl_nope']);
  });

  it('revokes a key so that a running coordinator refuses it with 401', async () => {
    const { key } = await create('operator');
    const other = await create('operator');
    // With the key cache off the coordinator checks the store on every request.
    const { url } = await startCoordinator(db, { VIGIL_AUTH__KEY_CACHE_TTL_S: '0' });
    const register = (k: string, nodeId: string) =>
      call(url, 'POST', '/nodes', { key: k, body: { node_id: nodeId, max_parallel: 2 } });

    expect((await register(key, 'before-revoke')).status).toBe(201);

    const prefix = key.slice(0, 12);
    const revoke = await runVigil(['keys', 'revoke', prefix, '--database-url', db]);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toContain(prefix);

    const refused = await register(key, 'after-revoke');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ status: 401, detail: expect.stringMatching(/revoked/) });
    // Only that key: another operator key still works.
    expect((await register(other.key, 'other-key')).status).toBe(201);

    const list = await runVigil(['keys', 'list', '--database-url', db]);
    expect(lines(list.stdout).find((l) => l.includes(prefix))).toMatch(/revoked \d{4}-\d\d-\d\dT/);
    // Revoking again is an error, not a silent success.
    const again = await runVigil(['keys', 'revoke', prefix, '--database-url', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^vigil: no active key/);
  }, 40_000);
});
