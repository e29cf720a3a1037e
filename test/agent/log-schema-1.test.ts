import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_LOG_FILE, openAgentLog } from '../../src/agent/log/database.ts';
import { latestReportRow, outboxDepth, reportRow, storeReportOnce } from '../../src/agent/log/outbox.ts';
import { countSamples } from '../../src/agent/log/samples.ts';
import { openLocalDatabase } from '../../src/store/sqlite/local-file.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

// The agent log's schema 1, as an agent of that version applies it at every open: running nodes
// have these files.
const SCHEMA_1 = `
CREATE TABLE IF NOT EXISTS samples (epoch INTEGER NOT NULL, target TEXT NOT NULL, at_ms INTEGER NOT NULL,
  up INTEGER NOT NULL CHECK (up IN (0, 1)), latency_ms REAL, PRIMARY KEY (epoch, target, at_ms));
CREATE TABLE IF NOT EXISTS interim_cursor (epoch INTEGER PRIMARY KEY, through_rowid INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('report', 'interim')), epoch INTEGER NOT NULL, body TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL, last_error TEXT,
  created_at INTEGER NOT NULL, delivered_at INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_one_report_per_epoch ON outbox (epoch) WHERE kind = 'report';
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS assignments (epoch INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
  report_window_end_ms INTEGER NOT NULL, probe_interval_s REAL NOT NULL, probe_timeout_ms INTEGER NOT NULL,
  targets TEXT NOT NULL, updated_at INTEGER NOT NULL);
`;

// What such a node may have logged: a delivered report, and an interim summary and a report
// still waiting.
const SCHEMA_1_ROWS = `
INSERT INTO samples VALUES (12, 'a', 1000, 1, 2.5);
INSERT INTO outbox (id, kind, epoch, body, state, attempts, next_attempt_at, last_error, created_at, delivered_at)
VALUES (3, 'report', 11, '{"r":11}', 'delivered', 2, 500, NULL, 400, 600),
       (5, 'interim', 12, '{"i":12}', 'pending', 1, 900, 'HTTP 503', 800, NULL),
       (7, 'report', 12, '{"r":12}', 'pending', 4, 950, 'HTTP 409: report-window-not-open', 850, NULL);
PRAGMA user_version = 1;
`;

describe('an agent log written by schema 1', () => {
  const dirs = tempDirs();
  afterEach(() => dirs.cleanup());

  function schema1Log(): string {
    const dir = dirs.make('vigil-agent-log-');
    const db = new DatabaseSync(join(dir, AGENT_LOG_FILE));
    db.exec(SCHEMA_1);
    db.exec(SCHEMA_1_ROWS);
    db.close();
    return dir;
  }

  it('opens with its outbox rows where they were: ids, states, attempts, errors and times', () => {
    const db = openAgentLog(schema1Log());
    expect(reportRow(db, 11)).toEqual({
      id: 3,
      kind: 'report',
      subject: 11,
      body: '{"r":11}',
      state: 'delivered',
      attempts: 2,
      next_attempt_at: 500,
      last_error: null,
      created_at: 400,
      settled_at: 600,
    });
    expect(reportRow(db, 12)).toMatchObject({ id: 7, state: 'pending', attempts: 4, next_attempt_at: 950 });
    expect(latestReportRow(db)?.subject).toBe(12);
    expect(outboxDepth(db)).toBe(2);
    expect(countSamples(db, 12)).toBe(1);
    expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    db.close();
  });

  it('still holds one report per epoch, and new rows follow the old ids', () => {
    const dir = schema1Log();
    openAgentLog(dir).close(); // moved once; opening again must change nothing
    const db = openAgentLog(dir);
    expect(outboxDepth(db)).toBe(2);
    expect(storeReportOnce(db, 12, () => expect.fail('built a second report'), 2_000).row.id).toBe(7);
    expect(() =>
      db
        .prepare(
          "INSERT INTO outbox_items (kind, subject, body, next_attempt_at, created_at) VALUES ('report', 12, 'x', 0, 0)",
        )
        .run(),
    ).toThrow(/UNIQUE/);
    expect(storeReportOnce(db, 13, () => '{"r":13}', 2_000).row.id).toBe(8);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'outbox'").get()).toEqual({
      n: 0,
    });
    db.close();
  });

  it('is refused by an agent that knows only schema 1, with nothing changed', () => {
    const dir = dirs.make('vigil-agent-log-');
    openAgentLog(dir).close();
    const older = () =>
      openLocalDatabase({
        dataDir: dir,
        file: AGENT_LOG_FILE,
        schema: SCHEMA_1,
        schemaVersion: 1,
        owner: 'agent',
      });
    expect(older).toThrow(/written by a newer agent \(schema 2\); upgrade vigil/);
    const db = new DatabaseSync(join(dir, AGENT_LOG_FILE));
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'outbox'").get()).toEqual({
      n: 0,
    });
    db.close();
  });
});
