import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signBytes, verifyBytes } from '../../src/core/crypto/index.ts';
import { loadOrCreateIdentity } from '../../src/node-client/identity.ts';

describe('node identity key', () => {
  const dirs: string[] = [];
  const tempPath = () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-identity-'));
    dirs.push(dir);
    return join(dir, 'keys', 'node.key');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates a key with mode 0600 once, then loads the same key', async () => {
    const path = tempPath();
    const first = await loadOrCreateIdentity(path);
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.nodeId).toMatch(/^node-[0-9a-f]{16}$/);
    const pem = readFileSync(path, 'utf8');

    const again = await loadOrCreateIdentity(path);
    expect(again.created).toBe(false);
    expect(again.publicKey).toBe(first.publicKey);
    expect(readFileSync(path, 'utf8')).toBe(pem);
    const signature = signBytes(new TextEncoder().encode('hello'), again.privateKey);
    expect(verifyBytes(new TextEncoder().encode('hello'), signature, first.publicKey)).toBe(true);
  });

  it('ends concurrent first starts with one key that all of them use', async () => {
    const path = tempPath();
    const all = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateIdentity(path)));
    expect(new Set(all.map((i) => i.publicKey)).size).toBe(1);
    expect(all.filter((i) => i.created)).toHaveLength(1);
  });

  it('refuses a key file others can read, and a file that is not a key, without touching it', async () => {
    const path = tempPath();
    await loadOrCreateIdentity(path);
    chmodSync(path, 0o644);
    await expect(loadOrCreateIdentity(path)).rejects.toThrow(/readable by others.*chmod 600/);
    const garbage = tempPath();
    await loadOrCreateIdentity(garbage);
    writeFileSync(garbage, 'not a key', { mode: 0o600 });
    await expect(loadOrCreateIdentity(garbage)).rejects.toThrow(/not an ed25519 private key/);
    expect(readFileSync(garbage, 'utf8')).toBe('not a key');
  });
});
