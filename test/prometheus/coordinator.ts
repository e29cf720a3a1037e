import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type VigilConfig } from '../../src/config/index.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../../src/coordinator/server.ts';
import { silentLogger } from '../../src/platform/log.ts';

export interface LiveCoordinator {
  running: RunningCoordinator;
  config: VigilConfig;
  /** http://127.0.0.1:port, the address Prometheus scrapes. */
  base: string;
  readKey: string;
  /** A request with the operator key; fails the test on an unexpected status. */
  send(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real coordinator on real HTTP (an embedded SQLite file in a temporary directory), with a
 * read key for Prometheus and an operator key for the test to act as the fleet.
 */
export async function startLiveCoordinator(profile: Record<string, unknown> = {}): Promise<LiveCoordinator> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
  const config = loadConfig({
    env: {},
    flags: { port: 0, host: '127.0.0.1', database_url: join(dir, 'vigil.db') },
    profile: {
      ...profile,
      auth: { ...(profile['auth'] as object | undefined), signing_key_path: join(dir, 'coordinator.key') },
    },
  });
  const running = await startCoordinator(config, { log: silentLogger });
  const readKey = (await createApiKey(running.store.db, 'read', 'prometheus')).key;
  const operatorKey = (await createApiKey(running.store.db, 'operator', 'fleet')).key;
  const base = running.url.replace('://[::1]', '://127.0.0.1').replace('://localhost', '://127.0.0.1');
  return {
    running,
    config,
    base,
    readKey,
    async send(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${operatorKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res;
    },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
