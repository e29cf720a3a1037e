import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lines, runVigil, tempDir } from './support.ts';

describe('vigil keys init', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('creates the node key once (0600), prints its node id and public key, and never replaces it', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const keyPath = join(dir.dir, 'agent', 'node.key');

    const first = await runVigil(['keys', 'init', '--key-path', keyPath]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^created node key .*node\.key$/m);
    expect(first.stdout).toMatch(/back it up/);
    const publicKey = /^public key\s+(\S+)$/m.exec(first.stdout)?.[1];
    expect(publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.stdout).toMatch(/^node id\s+node-[0-9a-f]{16}$/m);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);

    const second = await runVigil(['keys', 'init', '--key-path', keyPath]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^found node key/m);
    expect(/^public key\s+(\S+)$/m.exec(second.stdout)?.[1]).toBe(publicKey);

    chmodSync(keyPath, 0o644);
    const unsafe = await runVigil(['keys', 'init', '--key-path', keyPath]);
    expect(unsafe.code).toBe(1);
    expect(lines(unsafe.stderr)).toEqual([expect.stringMatching(/^vigil: .*readable by others.*chmod 600/)]);
  });
});
