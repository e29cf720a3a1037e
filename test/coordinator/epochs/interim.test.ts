import { beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem } from '../api/support.ts';
import {
  endOf,
  MINUTE_MS,
  signedInject,
  startMonitoredNetwork,
  startOf,
  type TestNode,
  tickAt,
  useEpochApi,
  windowEndOf,
} from './support.ts';

interface Summary {
  monitor: string;
  probe_interval_s: number;
  targets: Array<{ target: string; probes: Array<[number, 0 | 1]> }>;
}

describeEachBackend('API: interim summaries', (backend) => {
  const api = useEpochApi(backend, (c) => {
    c.monitoring.group_size = 2;
    c.sla.slice_s = 60;
  });
  let nodes: TestNode[];
  let monitor: TestNode;
  let targets: string[];

  beforeEach(async () => {
    ({ nodes, monitor, targets } = await startMonitoredNetwork(api(), 4));
    api().clock.now = startOf(0) + 20 * MINUTE_MS;
  });

  const summaryOf = (over: Partial<Summary> = {}): Summary => ({
    monitor: monitor.id,
    probe_interval_s: 300,
    targets: targets.map((target) => ({
      target,
      probes: [
        [startOf(0) + 5 * MINUTE_MS, 1],
        [startOf(0) + 10 * MINUTE_MS, 0],
      ],
    })),
    ...over,
  });
  const send = (body: unknown, epoch = 0, as = monitor) =>
    signedInject(api(), as, `/epochs/${epoch}/interim`, { body: JSON.stringify(body) });
  const votes = async () =>
    Number(
      (
        await api()
          .store.db.selectFrom('peer_slices')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('records a monitor’s verdicts on its targets (202), and a resend changes nothing', async () => {
    const res = await send(summaryOf());
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ epoch: 0, monitor: monitor.id, probes: 2 * targets.length });
    const rows = await votes();
    expect(rows).toBeGreaterThan(0);
    expect((await send(summaryOf())).statusCode).toBe(202);
    expect(await votes()).toBe(rows);
  });

  it('is accepted through the report window, then 409 epoch-closed', async () => {
    api().clock.now = endOf(0) + MINUTE_MS;
    expect((await send(summaryOf())).statusCode).toBe(202);
    api().clock.now = windowEndOf(0);
    expectProblem(await send(summaryOf()), 409, 'epoch-closed');
  });

  it('refuses a target the monitor does not audit, and a summary signed by someone else (403 not-assigned)', async () => {
    const stranger = nodes
      .map((n) => n.id)
      .find((id) => id !== monitor.id && !targets.includes(id)) as string;
    const res = await send(
      summaryOf({ targets: [{ target: stranger, probes: [[startOf(0) + MINUTE_MS, 1]] }] }),
    );
    const problem = expectProblem(res, 403, 'not-assigned', new RegExp(`does not audit ${stranger}`));
    expect(problem['targets']).toEqual([stranger]);
    expectProblem(await send(summaryOf(), 0, nodes[1]), 403, 'not-assigned', /signed by node-01/);
    expect(await votes()).toBe(0);
  });

  it('refuses probes outside the epoch, a longer interval than the network’s, and a malformed body (400)', async () => {
    const early = summaryOf({ targets: [{ target: targets[0] as string, probes: [[startOf(0) - 1, 1]] }] });
    expectProblem(await send(early), 400, 'invalid-request', /outside epoch 0/);
    const future = summaryOf({
      targets: [{ target: targets[0] as string, probes: [[startOf(0) + 50 * MINUTE_MS, 1]] }],
    });
    expectProblem(await send(future), 400, 'invalid-request', /in the future/);
    expectProblem(
      await send(summaryOf({ probe_interval_s: 3600 })),
      400,
      'invalid-request',
      /longer than the network's 300 s/,
    );
    expectProblem(
      await send({ ...summaryOf(), targets: [{ target: targets[0], probes: [[1, 2]] }] }),
      400,
      'invalid-request',
    );
    expect(await votes()).toBe(0);
  });

  it('is 409 epoch-not-ready while the epoch’s seed is unknown, and 404 for a future epoch', async () => {
    await tickAt(api(), startOf(1) + MINUTE_MS);
    expectProblem(await send(summaryOf(), 1), 409, 'epoch-not-ready');
    expectProblem(await send(summaryOf(), 3), 404, 'not-found');
  });
});
