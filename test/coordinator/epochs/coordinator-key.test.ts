import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { type RunningCoordinator, startCoordinator } from '../../../src/coordinator/server.ts';
import { silentLogger } from '../../../src/platform/log.ts';

describe('the coordinator key', () => {
  let dir: string;
  let running: RunningCoordinator | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-coordinator-key-test-'));
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () =>
    startCoordinator(
      loadConfig({
        env: {},
        flags: { port: 0, host: '127.0.0.1', database_url: join(dir, 'vigil.db') },
        profile: { auth: { signing_key_path: join(dir, 'keys', 'coordinator.key') } },
      }),
      { log: silentLogger },
    );

  async function identity(url: string): Promise<string> {
    const res = await fetch(`${url}/coordinator/identity`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { public_key: string }).public_key;
  }

  it('is created mode 0600 on first start and reused, unchanged, after a restart', async () => {
    const path = join(dir, 'keys', 'coordinator.key');
    running = await start();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const pem = readFileSync(path, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const first = await identity(running.url);
    await running.close();

    running = await start();
    expect(await identity(running.url)).toBe(first);
    expect(readFileSync(path, 'utf8')).toBe(pem);
  });
});
