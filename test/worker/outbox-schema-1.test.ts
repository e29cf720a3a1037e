import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/core/work/protocol.ts';
import { OutboxStore } from '../../src/node-client/outbox/store.ts';
import { openWorkerOutboxFile, WORKER_OUTBOX_FILE } from '../../src/worker/outbox-file.ts';
import { eventually } from '../helpers/eventually.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';
import { harnesses } from './support/harness.ts';

// The worker's outbox file as schema 1 wrote it: running nodes have these files.
const SCHEMA_1 = `
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('results', 'verdicts')), job_id TEXT NOT NULL, item TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS outbox_by_kind ON outbox (kind, id);
PRAGMA user_version = 1;
`;

/** Writes a schema 1 outbox holding `rows` into `dataDir`. */
function schema1Outbox(
  dataDir: string,
  rows: Array<{ id: number; kind: string; job_id: string; item: unknown; attempts: number }>,
): void {
  mkdirSync(dataDir, { recursive: true });
  const db = new DatabaseSync(join(dataDir, WORKER_OUTBOX_FILE));
  db.exec(SCHEMA_1);
  const insert = db.prepare(
    'INSERT INTO outbox (id, kind, job_id, item, attempts, last_error, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  for (const row of rows) {
    insert.run(
      row.id,
      row.kind,
      row.job_id,
      JSON.stringify(row.item),
      row.attempts,
      'HTTP 503',
      1_000 + row.id,
    );
  }
  db.close();
}

describe('a worker outbox written by schema 1', () => {
  const dirs = tempDirs();
  const h = harnesses();
  afterEach(async () => {
    await h.cleanup();
    dirs.cleanup();
  });

  it('opens with its results and verdicts pending, in their order, attempts kept', () => {
    const dir = dirs.make('vigil-worker-');
    schema1Outbox(dir, [
      { id: 4, kind: 'results', job_id: 'j1', item: { job_id: 'j1' }, attempts: 2 },
      { id: 9, kind: 'verdicts', job_id: 'j2', item: { job_id: 'j2', pass: true }, attempts: 0 },
    ]);
    const db = openWorkerOutboxFile(dir);
    const store = new OutboxStore<'results' | 'verdicts', string>(db);
    expect(store.due(Date.now(), { limit: 10 })).toEqual([
      {
        id: 4,
        kind: 'results',
        subject: 'j1',
        body: '{"job_id":"j1"}',
        state: 'pending',
        attempts: 2,
        next_attempt_at: 1_004,
        last_error: 'HTTP 503',
        created_at: 1_004,
        settled_at: null,
      },
      expect.objectContaining({
        id: 9,
        kind: 'verdicts',
        subject: 'j2',
        body: '{"job_id":"j2","pass":true}',
      }),
    ]);
    expect(store.add('results', 'j3', '{}', 2_000)).toBe(10);
    db.close();
  });

  it('is delivered by the next start', async () => {
    const t = await h.make({ topics: [{ name: 'hash' }] });
    const job = t.fake.submit('hash', { n: 1 });
    const result: JobResult = {
      job_id: job.job_id,
      lease_token: 'a-lease-of-the-old-process',
      worker_id: `${t.nodeId}/main`,
      status: 'success',
      result: { echo: 1 },
      started_at_ms: 1_000,
      finished_at_ms: 1_001,
    };
    schema1Outbox(join(t.dir, 'data'), [
      { id: 1, kind: 'results', job_id: job.job_id, item: result, attempts: 3 },
    ]);
    const host = await t.start(t.config());
    await eventually('the old result sent', () => job.received.length === 1);
    expect(job.received[0]!.item).toEqual(result);
    await eventually('the outbox empty', () => host.status().outbox.results === 0);
  });
});
