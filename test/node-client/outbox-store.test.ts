import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTBOX_SCHEMA, OutboxStore } from '../../src/node-client/outbox/store.ts';

describe('outbox store', () => {
  const open: DatabaseSync[] = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
  });

  function store<K extends string, S extends string | number>(): OutboxStore<K, S> {
    const db = new DatabaseSync(':memory:');
    db.exec(OUTBOX_SCHEMA);
    open.push(db);
    return new OutboxStore<K, S>(db);
  }

  it('keeps items in the order they were stored and tells what is due, by kind or all', () => {
    const s = store<'a' | 'b', string>();
    const first = s.add('a', 'job-1', '{"n":1}', 100);
    s.add('b', 'job-2', '{"n":2}', 110);
    s.add('a', 'job-3', '{"n":3}', 120);
    expect(s.due(120, { limit: 10 }).map((i) => i.subject)).toEqual(['job-1', 'job-2', 'job-3']);
    expect(s.due(120, { kind: 'a', limit: 10 }).map((i) => i.subject)).toEqual(['job-1', 'job-3']);
    expect(s.due(120, { limit: 2 })).toHaveLength(2);
    expect(s.due(105, { limit: 10 }).map((i) => i.id)).toEqual([first]);
    expect(s.due(120, { limit: 1 })[0]).toEqual({
      id: first,
      kind: 'a',
      subject: 'job-1',
      body: '{"n":1}',
      state: 'pending',
      attempts: 0,
      next_attempt_at: 100,
      last_error: null,
      created_at: 100,
      settled_at: null,
    });
    expect(s.depth()).toBe(3);
    expect(s.depth('b')).toBe(1);
    expect(s.nextDueAt()).toBe(100);
  });

  it('counts failed attempts and schedules the next one', () => {
    const s = store<'a', string>();
    const id = s.add('a', 'x', '{}', 100);
    s.retryAt([id], 500, 'HTTP 503');
    expect(s.due(400, { limit: 10 })).toEqual([]);
    expect(s.nextDueAt()).toBe(500);
    expect(s.due(500, { limit: 10 })[0]).toMatchObject({ attempts: 1, last_error: 'HTTP 503' });
    s.retryAt([id], 500, 'x'.repeat(5_000));
    expect(s.due(500, { limit: 10 })[0]!.last_error).toHaveLength(1_000);
  });

  it('settles items by removing them or keeping them delivered or refused', () => {
    const s = store<'report' | 'interim', number>();
    const delivered = s.add('report', 3, 'r3', 100);
    const refused = s.add('report', 4, 'r4', 100);
    const gone = s.add('interim', 4, 'i4', 100);
    s.markDelivered([delivered], 200);
    s.markFailed([refused], 'HTTP 409: report-conflict', 300);
    s.remove([gone]);
    expect(s.depth()).toBe(0);
    expect(s.nextDueAt()).toBeNull();
    expect(s.find('report', 3)).toMatchObject({ state: 'delivered', attempts: 1, settled_at: 200 });
    expect(s.find('report', 4)).toMatchObject({
      state: 'failed',
      attempts: 1,
      settled_at: 300,
      last_error: 'HTTP 409: report-conflict',
    });
    expect(s.find('interim', 4)).toBeNull();
  });

  it('finds the newest subject numerically, and removes only settled items of a subject', () => {
    const s = store<'report' | 'interim', number>();
    for (const epoch of [9, 10, 2]) s.add('report', epoch, `r${epoch}`, 100);
    expect(s.latest('report')?.subject).toBe(10);
    expect(s.latest('interim')).toBeNull();
    const pending = s.add('interim', 10, 'a', 100);
    const settled = s.add('interim', 10, 'b', 100);
    s.markFailed([settled], 'refused', 100);
    expect(s.removeSettled('interim', 10)).toBe(1);
    expect(s.due(100, { kind: 'interim', limit: 10 }).map((i) => i.id)).toEqual([pending]);
  });
});
