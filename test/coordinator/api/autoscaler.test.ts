import { expect, it } from 'vitest';
import { configSchema } from '../../../src/config/index.ts';
import { uuidv7 } from '../../../src/core/ids.ts';
import { ensureTargetRow, insertDecision } from '../../../src/store/repositories/autoscaler.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { topic } from '../jobs/support.ts';
import { expectProblem, get, useApi } from './support.ts';

describeEachBackend('API: the autoscaler’s targets and decisions', (backend) => {
  const api = useApi(backend, (c) => {
    c.topics = [topic({ name: 'hash' })];
    c.autoscaler = configSchema.parse({
      autoscaler: {
        targets: [
          {
            name: 'hash-pool',
            topic: 'hash',
            min_replicas: 1,
            max_replicas: 6,
            deployer: { kind: 'process', env: { TOKEN: 's3cret' } },
            policies: [{ kind: 'backlog' }, { kind: 'watermark', high: 20, low: 2 }],
          },
        ],
      },
    }).autoscaler;
  });

  const patch = (name: string, payload: Record<string, unknown>, role: 'operator' | 'read' = 'operator') =>
    api().app.inject({
      method: 'PATCH',
      url: `/autoscaler/targets/${name}`,
      headers: api().as(role),
      payload,
    });

  it('shows each target as configured until an operator changes it, and refuses bounds out of order', async () => {
    const list = await get(api(), '/autoscaler/targets');
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toEqual({
      targets: [
        {
          name: 'hash-pool',
          topic: 'hash',
          paused: false,
          min_replicas: 1,
          max_replicas: 6,
          changed_by_operator: [],
          desired: null,
          actual: null,
          deployer: 'process',
          policies: ['backlog', 'watermark'],
          sources: [],
          last_scaled_at_ms: null,
          last_decision: null,
        },
      ],
    });
    expect(list.body).not.toContain('s3cret');

    const paused = await patch('hash-pool', { paused: true, max_replicas: 3 });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json()).toMatchObject({
      paused: true,
      max_replicas: 3,
      changed_by_operator: ['paused', 'max_replicas'],
    });
    expect((await get(api(), '/autoscaler/targets/hash-pool')).json()).toMatchObject({
      paused: true,
      max_replicas: 3,
    });

    expectProblem(
      await patch('hash-pool', { min_replicas: 4 }),
      409,
      'invalid-bounds',
      /min_replicas 4 .* max_replicas 3/,
    );
    // Back to the configuration's.
    const reset = await patch('hash-pool', { paused: null, max_replicas: null });
    expect(reset.json()).toMatchObject({ paused: false, max_replicas: 6, changed_by_operator: [] });
  });

  it('lets only an operator change a target, and names unknown ones and bad bodies', async () => {
    expectProblem(await patch('hash-pool', { paused: true }, 'read'), 403, 'forbidden');
    expectProblem(
      await patch('nope', { paused: true }),
      404,
      'unknown-target',
      /no scaled target nope \(configured: hash-pool\)/,
    );
    expectProblem(await get(api(), '/autoscaler/targets/nope'), 404, 'unknown-target');
    expectProblem(await patch('hash-pool', {}), 400, 'invalid-request');
    expectProblem(await patch('hash-pool', { min_replicas: -1 }), 400, 'invalid-request');
    expectProblem(await patch('hash-pool', { replicas: 3 }), 400, 'invalid-request');
    expect((await get(api(), '/autoscaler/targets', null)).statusCode).toBe(401);
  });

  it('lists decisions newest first, by target and since an instant, and the last one on its target', async () => {
    const t0 = api().clock.now;
    for (let i = 0; i < 3; i++) {
      await api().store.transaction((trx) =>
        insertDecision(trx, {
          id: uuidv7(t0 + i * 1000),
          target: 'hash-pool',
          at: t0 + i * 1000,
          tick: i === 2 ? 'queue' : 'interval',
          reason: i === 2 ? 'scale_up' : 'hold',
          actual: 1,
          previous_desired: 1,
          desired: i === 2 ? 4 : 1,
          inputs: JSON.stringify({ 'topic.backlog': { value: 40 * i, at_ms: t0 } }),
          proposals: JSON.stringify([{ policy: 'backlog', replicas: i === 2 ? 4 : 1, reason: 'r' }]),
          action:
            i === 2 ? JSON.stringify({ started: ['a', 'b', 'c'], stopping: [], detail: 'started 3' }) : null,
        }),
      );
    }
    const all = await get(api(), '/autoscaler/decisions?target=hash-pool');
    expect(all.statusCode, all.body).toBe(200);
    const decisions = (all.json() as { decisions: Array<Record<string, unknown>> }).decisions;
    expect(decisions.map((d) => d['reason'])).toEqual(['scale_up', 'hold', 'hold']);
    expect(decisions[0]).toMatchObject({
      tick: 'queue',
      desired: 4,
      inputs: { 'topic.backlog': { value: 80 } },
      action: { started: ['a', 'b', 'c'] },
    });
    const since = new Date(t0 + 1000).toISOString();
    expect(
      ((await get(api(), `/autoscaler/decisions?since=${since}`)).json() as { decisions: unknown[] })
        .decisions,
    ).toHaveLength(2);
    const page = (await get(api(), '/autoscaler/decisions?limit=1')).json() as {
      decisions: Array<{ id: string }>;
    };
    const next = (
      await get(api(), `/autoscaler/decisions?limit=5&before=${page.decisions[0]!.id}`)
    ).json() as {
      decisions: unknown[];
    };
    expect(next.decisions).toHaveLength(2);
    expect((await get(api(), '/autoscaler/targets/hash-pool')).json()).toMatchObject({
      actual: 1,
      last_decision: { reason: 'scale_up' },
    });
    expectProblem(await get(api(), '/autoscaler/decisions?target=nope'), 404, 'unknown-target');
    expectProblem(await get(api(), '/autoscaler/decisions?since=yesterday'), 400, 'invalid-request');
  });

  it('reads the decisions of a target only a standalone autoscaler knows (its row is in the store)', async () => {
    const t0 = api().clock.now;
    expectProblem(await get(api(), '/autoscaler/decisions?target=gpu-pool'), 404, 'unknown-target');
    await api().store.transaction(async (trx) => {
      await ensureTargetRow(trx, 'gpu-pool', t0);
      await insertDecision(trx, {
        id: uuidv7(t0),
        target: 'gpu-pool',
        at: t0,
        tick: 'interval',
        reason: 'scale_up',
        actual: 0,
        previous_desired: 0,
        desired: 2,
        inputs: JSON.stringify({}),
        proposals: JSON.stringify([{ policy: 'target', replicas: 2, reason: 'r' }]),
        action: JSON.stringify({ started: ['x', 'y'], stopping: [], detail: 'started 2' }),
      });
    });
    const read = await get(api(), '/autoscaler/decisions?target=gpu-pool');
    expect(read.statusCode, read.body).toBe(200);
    expect((read.json() as { decisions: Array<{ target: string; desired: number }> }).decisions).toEqual([
      expect.objectContaining({ target: 'gpu-pool', desired: 2 }),
    ]);
    // It is still not one of this coordinator's targets: those routes name the configured ones.
    expectProblem(await get(api(), '/autoscaler/targets/gpu-pool'), 404, 'unknown-target');
  });
});
