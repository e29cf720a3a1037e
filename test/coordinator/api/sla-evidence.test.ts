import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get, heartbeat, register, useApi } from './support.ts';

describeEachBackend('API: GET /sla/evidence/{node_id}', (backend) => {
  const api = useApi(backend);

  it('shows the node’s heartbeats slice by slice, and no peer votes where none came', async () => {
    await register(api(), { node_id: 'n1', max_parallel: 1 });
    const slice = api().config.sla.slice_s * 1000;
    const start = Math.ceil(api().clock.now / slice) * slice;
    api().clock.now = start + 1_000;
    expect((await heartbeat(api(), 'n1')).statusCode).toBe(202);
    api().clock.now = start + 2 * slice + 1_000;
    expect((await heartbeat(api(), 'n1')).statusCode).toBe(202);
    api().clock.now = start + 3 * slice + 1_000;

    const res = await get(api(), '/sla/evidence/n1?hours=1');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as {
      from: string;
      slice_s: number;
      slices: number;
      heartbeats: string;
      peers: string;
    };
    expect(body.slice_s).toBe(api().config.sla.slice_s);
    expect(body.slices).toBe(body.heartbeats.length);
    expect(body.peers).toBe('.'.repeat(body.slices));
    expect(body.heartbeats.endsWith('1010')).toBe(true);
    expect(Date.parse(body.from) % slice).toBe(0);
  });

  it('answers 404 for an unknown node and 400 for bad hours', async () => {
    expectProblem(await get(api(), '/sla/evidence/nobody'), 404, 'not-found', /no node nobody/);
    await register(api(), { node_id: 'n1', max_parallel: 1 });
    expectProblem(await get(api(), '/sla/evidence/n1?hours=0'), 400, 'invalid-request');
    expectProblem(await get(api(), '/sla/evidence/n1?hours=9999'), 400, 'invalid-request');
    expectProblem(await get(api(), '/sla/evidence/n1', null), 401, 'unauthorized');
  });
});
