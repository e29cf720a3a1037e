import { afterEach, beforeEach, expect, it } from 'vitest';
import { countJobsPerMinute, readViolationChanges } from '../../src/store/repositories/series.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 12);

function job(
  id: string,
  over: {
    created_at: number;
    finished_at: number | null;
    status?: string;
    topic?: string;
    tenant_id?: string;
  },
) {
  return {
    job_id: id,
    topic: over.topic ?? 'hash',
    tenant_id: over.tenant_id ?? 'acme',
    idempotency_key: null,
    payload: '{}',
    status: (over.status ?? (over.finished_at === null ? 'queued' : 'succeeded')) as 'succeeded',
    attempts: 1,
    max_attempts: 3,
    created_at: over.created_at,
    updated_at: over.finished_at ?? over.created_at,
    deadline_at: null,
    node_id: null,
    worker_id: null,
    lease_token: null,
    started_at: null,
    finished_at: over.finished_at,
    finished_token: null,
    result: null,
    error: null,
    verification_state: null,
    verifier_id: null,
    verification_claim_expires_at: null,
    verdict: null,
  };
}

describeEachBackend('series reads', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());

  it('counts jobs per whole minute, at both edges of a minute, with each filter', async () => {
    await store.db
      .insertInto('jobs')
      .values([
        job('a', { created_at: T0 - 1, finished_at: T0 }),
        job('b', { created_at: T0, finished_at: T0 + MINUTE - 1 }),
        job('c', { created_at: T0 + 10, finished_at: T0 + MINUTE, status: 'dead', topic: 'once' }),
        job('d', { created_at: T0 + 3 * MINUTE, finished_at: T0 + 3 * MINUTE + 5, tenant_id: 'other' }),
        job('e', { created_at: T0 + 4 * MINUTE, finished_at: null }),
        // Outside [from, to): the minute before and the minute `to` starts.
        job('f', { created_at: T0 - MINUTE, finished_at: T0 - 1 }),
        job('g', { created_at: T0 + 5 * MINUTE, finished_at: T0 + 5 * MINUTE }),
      ])
      .execute();
    const range = { from: T0, to: T0 + 5 * MINUTE };
    const finished = (extra: object = {}) =>
      countJobsPerMinute(store.db, { at: 'finished_at', ...range, ...extra });
    expect(await finished()).toEqual([
      { minute: T0, n: 2 },
      { minute: T0 + MINUTE, n: 1 },
      { minute: T0 + 3 * MINUTE, n: 1 },
    ]);
    expect(await finished({ statuses: ['dead'] })).toEqual([{ minute: T0 + MINUTE, n: 1 }]);
    expect(await finished({ topic: 'once' })).toEqual([{ minute: T0 + MINUTE, n: 1 }]);
    expect(await finished({ tenantId: 'other' })).toEqual([{ minute: T0 + 3 * MINUTE, n: 1 }]);
    expect(await finished({ tenantId: 'nobody' })).toEqual([]);
    expect(await countJobsPerMinute(store.db, { at: 'created_at', ...range })).toEqual([
      { minute: T0, n: 2 },
      { minute: T0 + 3 * MINUTE, n: 1 },
      { minute: T0 + 4 * MINUTE, n: 1 },
    ]);
    // A range with nothing in it, however long, costs two index seeks.
    expect(
      await countJobsPerMinute(store.db, {
        at: 'finished_at',
        from: T0 - 400 * 1440 * MINUTE,
        to: T0 - MINUTE,
      }),
    ).toEqual([]);
  });

  it('finds the violations open before a range and those opening and resolving in it', async () => {
    const violation = (id: string, created_at: number, resolved_at: number | null) => ({
      id,
      node_id: id,
      subject: id,
      violation_type: 'uptime_pct' as const,
      severity: 'high' as const,
      metric_value: 90,
      worst_value: 90,
      threshold: 95,
      created_at,
      updated_at: created_at,
      resolved_at,
      violation_duration_ms: resolved_at === null ? null : resolved_at - created_at,
      metadata: '{}',
    });
    await store.db
      .insertInto('sla_violations')
      .values([
        violation('gone', T0 - 10 * MINUTE, T0 - 5 * MINUTE),
        violation('spans', T0 - 10 * MINUTE, T0 + 5 * MINUTE),
        violation('open', T0 - 10 * MINUTE, null),
        violation('inside', T0 + MINUTE, T0 + 2 * MINUTE),
        violation('at-edge', T0, null),
        violation('after', T0 + 20 * MINUTE, null),
      ])
      .execute();
    const changes = await readViolationChanges(store.db, T0, T0 + 10 * MINUTE);
    expect(changes.openBefore).toBe(2);
    expect([...changes.opened].sort()).toEqual([T0, T0 + MINUTE]);
    expect([...changes.resolved].sort()).toEqual([T0 + 2 * MINUTE, T0 + 5 * MINUTE]);
  });
});
