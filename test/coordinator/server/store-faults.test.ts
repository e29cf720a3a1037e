import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/store.ts';
import { createTestApi, type TestApi } from '../../helpers/api.ts';
import { backends, type TestBackend, withCleanup } from '../../helpers/backends.ts';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts';
import { expectProblem, type Response } from '../api/support.ts';

// A store that cannot serve is not a bug in the request: the answer is 503 store-unavailable
// with Retry-After, the log keeps the store's own words, readiness says not ready, and once the
// store is back the same request succeeds.

const sqlite = backends.find((b) => b.name === 'sqlite') as TestBackend;
const postgres = backends.find((b) => b.name === 'postgres');

let api: TestApi | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.restore().catch(() => {});
  await api?.close();
  await proxy?.close();
  api = undefined;
  proxy = undefined;
});

const register = (id: string) =>
  (api as TestApi).app.inject({
    method: 'POST',
    url: '/nodes',
    headers: (api as TestApi).as('admin'),
    payload: { node_id: id, max_parallel: 1, operator: 'x'.repeat(100) },
  });
const ready = () => (api as TestApi).app.inject({ method: 'GET', url: '/readyz' });

function expectUnavailable(res: Response): void {
  expectProblem(res, 503, 'store-unavailable', /try again/);
  expect(res.headers['retry-after']).toBe('5');
}

describe('store faults [sqlite]: a full disk', () => {
  it('answers 503 store-unavailable with Retry-After, says not ready, and recovers when space is back', async () => {
    api = await createTestApi(sqlite, () => {}, { storeFailureWindowMs: 5_000 });
    const db = api.store.db;
    expect((await register('before')).statusCode).toBe(201);
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
    await sql.raw(`pragma max_page_count = ${rows[0]?.page_count}`).execute(db);

    // The file cannot grow: some registration soon needs a page it cannot have.
    let refused: Response | undefined;
    for (let i = 0; i < 500 && refused === undefined; i++) {
      const res = await register(`n-${i}`);
      if (res.statusCode !== 201) refused = res;
    }
    expect(refused, 'no registration needed a new page').toBeDefined();
    expectUnavailable(refused as Response);
    expectProblem(await ready(), 503, 'not-ready', /database or disk is full/);
    // Reads still work: only writes are refused.
    expect(
      (await api.app.inject({ method: 'GET', url: '/nodes/before', headers: api.as('admin') })).statusCode,
    ).toBe(200);

    await sql.raw('pragma max_page_count = 1073741823').execute(db);
    expect((await register('after')).statusCode).toBe(201);
    api.clock.now += 10_000;
    expect((await ready()).statusCode).toBe(200);
  });
});

describe.skipIf(postgres === undefined)('store faults [postgres]: the database goes away', () => {
  it('answers 503 store-unavailable while it is gone, and the same request succeeds once it is back', async () => {
    const pg = postgres as TestBackend;
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    const viaProxy: TestBackend = {
      name: 'postgres',
      url: () => pg.url(),
      async open() {
        const { databaseUrl, cleanup } = await pg.url();
        const url = new URL(databaseUrl);
        url.hostname = '127.0.0.1';
        url.port = String(proxy?.port);
        return withCleanup(openStore({ databaseUrl: url.toString(), maxConnections: 2 }), cleanup);
      },
    };
    api = await createTestApi(viaProxy, () => {}, { storeFailureWindowMs: 5_000 });
    expect((await register('before')).statusCode).toBe(201);

    await proxy.cut();
    expectUnavailable(await register('during'));
    expectProblem(await ready(), 503, 'not-ready');

    await proxy.restore();
    const again = await register('during');
    expect(again.statusCode, again.body).toBe(201);
    api.clock.now += 10_000;
    expect((await ready()).statusCode).toBe(200);
  });
});
