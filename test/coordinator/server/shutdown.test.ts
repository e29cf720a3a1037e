import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { type RunningCoordinator, startCoordinator } from '../../../src/coordinator/server.ts';
import { silentLogger } from '../../../src/platform/log.ts';

// Clients on kept-alive connections keep sending while the coordinator shuts down: every
// request it read gets an answer (200, or 503 problem+json with Connection: close), and none
// is reset. A client whose next connection is refused was never read, which is fine.

const CLIENTS = 16;

describe('graceful shutdown', () => {
  let dir: string;
  let coordinator: RunningCoordinator | undefined;
  afterEach(async () => {
    await coordinator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request it read and resets none, under keep-alive clients', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-shutdown-'));
    coordinator = await startCoordinator(
      loadConfig({
        env: {},
        flags: { port: 0, host: '127.0.0.1', database_url: join(dir, 'vigil.db') },
        profile: { auth: { signing_key_path: join(dir, 'coordinator.key') } },
      }),
      { log: silentLogger },
    );
    const url = coordinator.url;
    const tally = { ok: 0, shuttingDown: 0, refused: 0, reset: [] as string[] };
    let stop = false;
    const client = async () => {
      const agent = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
      try {
        while (!stop) {
          try {
            const res = await request(`${url}/healthz`, { dispatcher: agent });
            const body = await res.body.text();
            if (res.statusCode === 200) tally.ok++;
            else {
              expect(res.statusCode, body).toBe(503);
              expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
              expect(res.headers['connection']).toBe('close');
              expect(JSON.parse(body)).toMatchObject({ type: 'urn:vigil:problem:shutting-down' });
              tally.shuttingDown++;
            }
          } catch (error) {
            const code = (error as { code?: string }).code ?? '';
            if (code === 'ECONNREFUSED') {
              tally.refused++;
              return;
            }
            tally.reset.push(`${code}: ${(error as Error).message}`);
            return;
          }
        }
      } finally {
        await agent.close().catch(() => {});
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await new Promise((r) => setTimeout(r, 300));
    const closing = coordinator.close();
    await closing;
    stop = true;
    await Promise.all(clients);
    coordinator = undefined;

    expect(tally.reset).toEqual([]);
    expect(tally.ok).toBeGreaterThan(CLIENTS);
    expect(tally.shuttingDown + tally.refused).toBeGreaterThan(0);
  });
});
