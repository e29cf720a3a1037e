import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { topicSchema } from '../../src/config/topic-schema.ts';
import { useApi } from '../coordinator/api/support.ts';
import { makeNodes, registerNode, signatureHeaders, type TestNode } from '../coordinator/epochs/support.ts';
import type { TestApi } from '../helpers/api.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { badRequest, type FuzzRequest, operationsOf } from './requests.ts';

// Every operation of /openapi.json, walked with generated bad input (requests.ts) on every
// backend: no answer is a 5xx, every error is problem+json, and a refused request changes
// nothing in the store. `npm run fuzz` runs the same walk for longer (VIGIL_FUZZ_RUNS, and
// VIGIL_FUZZ_SEED to replay a run; VIGIL_FUZZ_STATS=FILE writes the answers by status and route).

const RUNS = Number(process.env['VIGIL_FUZZ_RUNS'] ?? 800);
const SEED =
  process.env['VIGIL_FUZZ_SEED'] === undefined ? undefined : Number(process.env['VIGIL_FUZZ_SEED']);

/** Tables a refused request may still write: who asked (audit) and which signatures were seen (replays). */
const BOOKKEEPING = new Set(['audit_log', 'request_signatures', 'kysely_migration', 'kysely_migration_lock']);

/** The tables whose rows a refused request must leave as they were. */
async function watchedTables(api: TestApi): Promise<string[]> {
  const tables = await api.store.db.introspection.getTables();
  return tables
    .map((t) => t.name)
    .filter((n) => !BOOKKEEPING.has(n))
    .sort();
}

/** A digest of every row of the watched tables. */
async function fingerprint(api: TestApi, tables: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const table of tables) {
    const rows = await api.store.db
      .selectFrom(table as never)
      .selectAll()
      .execute();
    const lines = rows.map((r) => JSON.stringify(r)).sort();
    hash.update(`${table}:${lines.length}\n${lines.join('\n')}\n`);
  }
  return hash.digest('hex');
}

describeEachBackend('fuzz: every route with bad input', (backend) => {
  const api = useApi(backend, (c) => {
    c.topics = [topicSchema.parse({ name: 'sha256' })];
  });

  it(
    `answers ${RUNS} generated bad requests with 4xx problem+json and stores nothing from them`,
    async () => {
      const [node] = makeNodes(1) as [TestNode];
      await registerNode(api(), node);
      const operations = operationsOf(api().app.swagger() as never);
      const tables = await watchedTables(api());
      expect(operations.length).toBeGreaterThan(30);

      const send = (req: FuzzRequest) =>
        api().app.inject({
          method: req.method as 'GET',
          url: req.url,
          headers: {
            ...api().as('admin'),
            // Signed too, so node-signed routes reach their validation instead of stopping at 401.
            ...signatureHeaders(api(), node, req.url, {
              method: req.method,
              ...(req.body === undefined ? {} : { body: req.body }),
            }),
            ...(req.contentType === undefined ? {} : { 'content-type': req.contentType }),
          },
          ...(req.body === undefined ? {} : { payload: req.body }),
        });

      const stats = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(badRequest(operations), async (req) => {
          const before = await fingerprint(api(), tables);
          const res = await send(req);
          if (process.env['VIGIL_FUZZ_STATS'] !== undefined) {
            const key = `${res.statusCode} ${req.method} ${req.url.split('?')[0]?.replace(/\/[^/]*$/, '/…')}`;
            stats.set(key, (stats.get(key) ?? 0) + 1);
          }
          const what = `${req.method} ${req.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, what).toBeLessThan(500);
          if (res.statusCode >= 400) {
            expect(res.headers['content-type'], what).toMatch(/^application\/problem\+json/);
            expect((res.json() as { type: string }).type, what).toMatch(/^urn:vigil:problem:/);
            expect(await fingerprint(api(), tables), `${what}: a refused request changed the store`).toBe(
              before,
            );
          }
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
      );
      if (process.env['VIGIL_FUZZ_STATS'] !== undefined)
        writeFileSync(
          process.env['VIGIL_FUZZ_STATS'],
          JSON.stringify([...stats].sort((a, b) => b[1] - a[1])),
        );
    },
    30_000 + RUNS * 100,
  );
});
