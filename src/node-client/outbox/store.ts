import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';

/** Waiting to go; taken by the coordinator (kept by roles that keep a record); refused for good (kept likewise). */
export type OutboxState = 'pending' | 'delivered' | 'failed';

/** One thing a node must get to the coordinator, stored before the first attempt to send it. */
export interface OutboxItem<K extends string = string, S extends string | number = string | number> {
  id: number;
  /** The role's name for what the item is (`report`, `interim`, `results`, `verdicts`). */
  kind: K;
  /** What the item is about, for the role's own lookups: an epoch, a job id. */
  subject: S;
  /** What is sent, byte for byte on every attempt. */
  body: string;
  state: OutboxState;
  attempts: number;
  /** When the item may be tried next (ms); a pending item is due once this has passed. */
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  /** When it was delivered or refused for good; null while pending. */
  settled_at: number | null;
}

/**
 * The outbox table of a node's local SQLite file (the agent's log, the worker's outbox), to
 * be applied with the file's own schema. Items leave in id order, the order they were stored.
 * `subject` has no declared type on purpose: an epoch stays an integer (and orders as one), a
 * job id stays text.
 */
export const OUTBOX_SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  subject NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  settled_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_items_due ON outbox_items (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_items_subject ON outbox_items (kind, subject);
`;

/** A stored error is for a person reading the file: the start of it says what happened. */
const MAX_ERROR_CHARS = 1000;

const ID_LIST = 'SELECT value FROM json_each(?)';

/**
 * A node's outbox in its local SQLite file: what is stored, what is due, and what became of
 * each attempt. It neither opens nor closes the file (its owner does), and it never starts a
 * transaction, so a role can settle items in one transaction with its own writes (the agent
 * compacts an epoch as its report is marked delivered). Each call is one statement.
 */
export class OutboxStore<K extends string = string, S extends string | number = string | number> {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  /** Stores an item, due at once; returns its id. */
  add(kind: K, subject: S, body: string, nowMs: number): number {
    const sql =
      'INSERT INTO outbox_items (kind, subject, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)';
    return Number(this.#run(sql).run(kind, subject, body, nowMs, nowMs).lastInsertRowid);
  }

  /** The item of this kind about `subject`, whatever its state (the oldest if there are several). */
  find(kind: K, subject: S): OutboxItem<K, S> | null {
    const sql = 'SELECT * FROM outbox_items WHERE kind = ? AND subject = ? ORDER BY id LIMIT 1';
    return this.#one(sql, kind, subject);
  }

  /** The item of this kind with the highest subject (the newest epoch's report). */
  latest(kind: K): OutboxItem<K, S> | null {
    return this.#one('SELECT * FROM outbox_items WHERE kind = ? ORDER BY subject DESC LIMIT 1', kind);
  }

  /** Pending items due at `nowMs`, of one kind or of all, oldest first. */
  due(nowMs: number, { kind = null, limit }: { kind?: K | null; limit: number }): OutboxItem<K, S>[] {
    const rows =
      kind === null
        ? this.#run(
            "SELECT * FROM outbox_items WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
          ).all(nowMs, limit)
        : this.#run(
            "SELECT * FROM outbox_items WHERE state = 'pending' AND kind = ? AND next_attempt_at <= ? ORDER BY id LIMIT ?",
          ).all(kind, nowMs, limit);
    return rows as unknown as OutboxItem<K, S>[];
  }

  /** When the earliest pending item is due; null when nothing is pending. */
  nextDueAt(): number | null {
    const sql = "SELECT min(next_attempt_at) AS at FROM outbox_items WHERE state = 'pending'";
    return (this.#run(sql).get() as { at: number | null }).at;
  }

  /** Items still to deliver, of one kind or of all. */
  depth(kind?: K): number {
    const row =
      kind === undefined
        ? this.#run("SELECT count(*) AS n FROM outbox_items WHERE state = 'pending'").get()
        : this.#run("SELECT count(*) AS n FROM outbox_items WHERE state = 'pending' AND kind = ?").get(kind);
    return (row as { n: number }).n;
  }

  /** Counts a failed attempt on these items; they are due again at `atMs`. */
  retryAt(ids: readonly number[], atMs: number, error: string): void {
    const sql = `UPDATE outbox_items SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id IN (${ID_LIST})`;
    this.#run(sql).run(atMs, error.slice(0, MAX_ERROR_CHARS), JSON.stringify(ids));
  }

  /** Keeps these items as delivered, the attempt that did it counted. */
  markDelivered(ids: readonly number[], nowMs: number): void {
    const sql = `UPDATE outbox_items SET state = 'delivered', attempts = attempts + 1, settled_at = ?, last_error = NULL WHERE id IN (${ID_LIST})`;
    this.#run(sql).run(nowMs, JSON.stringify(ids));
  }

  /** Keeps these items as refused for good, with why. */
  markFailed(ids: readonly number[], error: string, nowMs: number): void {
    const sql = `UPDATE outbox_items SET state = 'failed', attempts = attempts + 1, settled_at = ?, last_error = ? WHERE id IN (${ID_LIST})`;
    this.#run(sql).run(nowMs, error.slice(0, MAX_ERROR_CHARS), JSON.stringify(ids));
  }

  /** Forgets these items, whatever their state. */
  remove(ids: readonly number[]): void {
    this.#run(`DELETE FROM outbox_items WHERE id IN (${ID_LIST})`).run(JSON.stringify(ids));
  }

  /** Forgets the settled items of this kind about any subject up to `subject`; returns how many. */
  removeSettledThrough(kind: K, subject: S): number {
    const sql = "DELETE FROM outbox_items WHERE kind = ? AND subject <= ? AND state <> 'pending'";
    return Number(this.#run(sql).run(kind, subject).changes);
  }

  /** Forgets the settled items of this kind about `subject`; returns how many. */
  removeSettled(kind: K, subject: S): number {
    const sql = "DELETE FROM outbox_items WHERE kind = ? AND subject = ? AND state <> 'pending'";
    return Number(this.#run(sql).run(kind, subject).changes);
  }

  #one(sql: string, ...params: SQLInputValue[]): OutboxItem<K, S> | null {
    return (this.#run(sql).get(...params) ?? null) as OutboxItem<K, S> | null;
  }

  #run(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
