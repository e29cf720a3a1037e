import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { CallAbortedError, CoordinatorError } from '../../src/node-client/errors.ts';
import {
  createOutboxSender,
  type NotDelivered,
  type OutboxSender,
  type OutboxSenderOptions,
} from '../../src/node-client/outbox/sender.ts';
import { OUTBOX_SCHEMA, type OutboxItem, OutboxStore } from '../../src/node-client/outbox/store.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { eventually } from '../helpers/eventually.ts';

type Kind = 'results' | 'verdicts';
type Item = OutboxItem<Kind, string>;
type Answer = (kind: Kind, items: Item[], signal: AbortSignal) => Promise<string>;

const unavailable = () => new CoordinatorError('answered 503', { status: 503 });
const malformed = () => new CoordinatorError('answered 400', { status: 400 });

describe('outbox sender', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A sender over an in-memory outbox whose calls `answer` decides; everything it is told is kept. */
  function harness(
    answer: Answer,
    options: Partial<OutboxSenderOptions<Kind, string, string>> & { items?: Array<[Kind, string]> } = {},
  ) {
    const db = new DatabaseSync(':memory:');
    db.exec(OUTBOX_SCHEMA);
    const store = new OutboxStore<Kind, string>(db);
    for (const [kind, subject] of options.items ?? []) store.add(kind, subject, '{}', Date.now());
    const calls: Array<{ kind: Kind; subjects: string[]; at: number }> = [];
    const delivered: string[] = [];
    const refused: string[] = [];
    const failures: Array<NotDelivered<Kind, string>> = [];
    const log = captureLog();
    const sender: OutboxSender = createOutboxSender<Kind, string, string>({
      store,
      delivery: {
        send(kind, items, signal) {
          calls.push({ kind, subjects: items.map((i) => i.subject), at: Date.now() });
          return answer(kind, items, signal);
        },
        delivered(_kind, items) {
          store.remove(items.map((i) => i.id));
          delivered.push(...items.map((i) => i.subject));
        },
        refused(item) {
          store.remove([item.id]);
          refused.push(item.subject);
        },
        notDelivered: (failure) => failures.push(failure),
      },
      log,
      batchSize: 1,
      hold: 'item',
      backoff: { initialMs: 40, maxMs: 400 },
      idleRecheckMs: 60_000,
      random: () => 0.5,
      ...options,
    });
    cleanups.push(
      () => sender.close(),
      () => db.close(),
    );
    return { store, sender, calls, delivered, refused, failures, log };
  }

  it('sends items oldest first, batched by kind up to the batch size', async () => {
    const h = harness(async () => 'ok', {
      batchSize: 2,
      items: [
        ['results', 'r1'],
        ['results', 'r2'],
        ['results', 'r3'],
        ['verdicts', 'v1'],
        ['results', 'r4'],
      ],
    });
    await eventually('all delivered', () => h.delivered.length === 5);
    expect(h.calls.map((c) => c.subjects)).toEqual([['r1', 'r2'], ['r3'], ['v1'], ['r4']]);
  });

  it('reads the kinds it is given in their order, each in batches of its own', async () => {
    const h = harness(async () => 'ok', {
      batchSize: 100,
      kinds: ['results', 'verdicts'],
      items: [
        ['verdicts', 'v1'],
        ['results', 'r1'],
        ['verdicts', 'v2'],
        ['results', 'r2'],
      ],
    });
    await eventually('all delivered', () => h.delivered.length === 4);
    expect(h.calls.map((c) => [c.kind, c.subjects])).toEqual([
      ['results', ['r1', 'r2']],
      ['verdicts', ['v1', 'v2']],
    ]);
  });

  it('with hold "item", lets the others go on while a failed item waits its own backoff', async () => {
    let refusals = 2;
    const h = harness(
      async (_kind, [item]) => {
        if (item!.subject === 'late' && refusals-- > 0) throw unavailable();
        return 'ok';
      },
      {
        items: [
          ['results', 'late'],
          ['results', 'a'],
          ['results', 'b'],
        ],
      },
    );
    await eventually('all delivered', () => h.delivered.length === 3);
    expect(h.delivered).toEqual(['a', 'b', 'late']);
    const late = h.calls.filter((c) => c.subjects[0] === 'late');
    expect(late).toHaveLength(3);
    // Equal jitter at 0.5: 3/4 of a ceiling that doubles per attempt (40, then 80 ms).
    expect(h.failures.map((f) => f.retryInMs)).toEqual([30, 60]);
    expect(late[1]!.at - late[0]!.at).toBeGreaterThanOrEqual(29);
    expect(late[2]!.at - late[1]!.at).toBeGreaterThanOrEqual(59);
  });

  it('never waits less than the Retry-After the coordinator asked for, up to the maximum', async () => {
    let first = true;
    const h = harness(
      async () => {
        if (!first) return 'ok';
        first = false;
        throw new CoordinatorError('answered 429', { status: 429, retryAfterMs: 250 });
      },
      { items: [['results', 'x']] },
    );
    await eventually('delivered', () => h.delivered.length === 1);
    expect(h.failures[0]!.retryInMs).toBe(250);
    expect(h.calls[1]!.at - h.calls[0]!.at).toBeGreaterThanOrEqual(249);
  });

  it('with hold "outbox", holds everything back after a failure and counts the failed passes', async () => {
    let refusals = 3;
    const h = harness(
      async () => {
        if (refusals-- > 0) throw unavailable();
        return 'ok';
      },
      {
        hold: 'outbox',
        batchSize: 100,
        kinds: ['results', 'verdicts'],
        items: [
          ['results', 'r1'],
          ['verdicts', 'v1'],
        ],
      },
    );
    await eventually('all delivered', () => h.delivered.length === 2);
    // Each failed pass ended at its first call: the verdicts waited with the results.
    expect(h.calls.map((c) => c.kind)).toEqual(['results', 'results', 'results', 'results', 'verdicts']);
    expect(h.failures.map((f) => [f.failures, f.retryInMs])).toEqual([
      [1, 30],
      [2, 60],
      [3, 120],
    ]);
  });

  it('splits a batch refused for good until the item at fault is alone, and refuses only that one', async () => {
    const h = harness(
      async (_kind, items) => {
        if (items.some((i) => i.subject === 'c')) throw malformed();
        return 'ok';
      },
      {
        hold: 'outbox',
        batchSize: 4,
        items: [
          ['results', 'a'],
          ['results', 'b'],
          ['results', 'c'],
          ['results', 'd'],
        ],
      },
    );
    await eventually('settled', () => h.delivered.length + h.refused.length === 4);
    expect(h.calls.map((c) => c.subjects)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['a', 'b'],
      ['c', 'd'],
      ['c'],
      ['d'],
    ]);
    expect(h.refused).toEqual(['c']);
    expect(h.delivered).toEqual(['a', 'b', 'd']);
    expect(h.failures.map((f) => f.retryInMs)).toEqual([null, null, null]);
  });

  it('looks again at once when woken, and after its idle recheck otherwise', async () => {
    const h = harness(async () => 'ok', { idleRecheckMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    h.store.add('results', 'new', '{}', Date.now());
    h.sender.wake();
    await eventually('delivered', () => h.delivered.length === 1, 1_000);
  });

  it('keeps going when the store itself fails, and says so', async () => {
    const h = harness(async () => 'ok', { items: [['results', 'x']] });
    await eventually('delivered', () => h.delivered.length === 1);
    const due = h.store.due.bind(h.store);
    let broken = true;
    h.store.due = (...args) => {
      if (broken) {
        broken = false;
        throw new Error('disk I/O error');
      }
      return due(...args);
    };
    h.store.add('results', 'y', '{}', Date.now());
    h.sender.wake();
    await eventually('delivered after the failure', () => h.delivered.length === 2);
    expect(h.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'outbox could not be read or updated',
        fields: { error: 'disk I/O error' },
      }),
    );
  });

  it('on close, keeps sending what is due for the flush time, then cuts the call in flight uncounted', async () => {
    const stalled = new Set(['stuck']);
    const h = harness(
      (_kind, [item], signal) =>
        stalled.has(item!.subject)
          ? new Promise((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(new CallAbortedError('cut')), { once: true }),
            )
          : Promise.resolve('ok'),
      { hold: 'outbox' },
    );
    for (const subject of ['a', 'b', 'stuck', 'c']) h.store.add('results', subject, '{}', Date.now());
    const started = Date.now();
    await h.sender.close(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(h.delivered).toEqual(['a', 'b']);
    expect(h.failures).toEqual([]);
    expect(h.store.due(Date.now(), { limit: 10 }).map((i) => [i.subject, i.attempts])).toEqual([
      ['stuck', 0],
      ['c', 0],
    ]);
  });

  it('on close, stops as soon as nothing due is left, well before the flush time', async () => {
    const h = harness(async () => 'ok', { hold: 'outbox', idleRecheckMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const subject of ['a', 'b']) h.store.add('results', subject, '{}', Date.now());
    const started = Date.now();
    await h.sender.close(5_000);
    expect(h.delivered).toEqual(['a', 'b']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('closed without a flush time, stops at once', async () => {
    const h = harness(async () => 'ok', { idleRecheckMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    h.store.add('results', 'late', '{}', Date.now());
    await h.sender.close();
    expect(h.calls).toEqual([]);
  });
});
