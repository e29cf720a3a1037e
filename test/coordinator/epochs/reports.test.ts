import { beforeEach, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/core/crypto/index.ts';
import { reportDigest, signReport } from '../../../src/core/reports/index.ts';
import { describeEachBackend } from '../../helpers/backends.ts';
import { expectProblem, get } from '../api/support.ts';
import {
  countRows,
  endOf,
  getJson,
  MINUTE_MS,
  makeNodes,
  registerNode,
  reportOf,
  startMonitoredNetwork,
  submitReport,
  type TestNode,
  targetsOf,
  tickAt,
  useEpochApi,
  windowEndOf,
} from './support.ts';

describeEachBackend('API: epoch reports', (backend) => {
  const api = useEpochApi(backend, (c) => {
    c.monitoring.group_size = 2;
  });
  let nodes: TestNode[];
  let monitor: TestNode;
  let targets: string[];

  beforeEach(async () => {
    ({ nodes, monitor, targets } = await startMonitoredNetwork(api(), 4));
    await tickAt(api(), endOf(0) + MINUTE_MS);
  });

  const nothingStored = async () => expect(await countRows(api(), 'monitor_reports')).toBe(0);

  it('stores a report once: 201, then 200 with the same receipt for the same report, even re-encoded', async () => {
    const report = reportOf(monitor, 0, targets);
    const first = await submitReport(api(), monitor, 0, report);
    expect(first.statusCode, first.body).toBe(201);
    const receipt = first.json();
    expect(receipt).toEqual({
      epoch: 0,
      monitor: monitor.id,
      digest: reportDigest(report),
      received_at: new Date(endOf(0) + MINUTE_MS).toISOString(),
      received_at_ms: endOf(0) + MINUTE_MS,
    });

    api().clock.now += MINUTE_MS;
    const again = await submitReport(api(), monitor, 0, report);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(receipt);
    const spaced = await submitReport(api(), monitor, 0, JSON.stringify(report, null, 2));
    expect(spaced.statusCode).toBe(200);
    expect(await countRows(api(), 'monitor_reports')).toBe(1);
  });

  it('serves the accepted reports as sent, sorted by monitor', async () => {
    const others = nodes.slice(1, 3);
    const sent = [];
    for (const node of [...others].reverse()) {
      const r = reportOf(node, 0, await targetsOf(api(), 0, node.id));
      expect((await submitReport(api(), node, 0, r)).statusCode).toBe(201);
      sent.push(r);
    }
    const list = await getJson<{ epoch: number; reports: unknown[] }>(api(), '/epochs/0/reports');
    expect(list).toEqual({ epoch: 0, reports: sent.reverse() });
    const stored = await api().store.db.selectFrom('monitor_reports').select('body').execute();
    expect(stored.map((r) => r.body).sort()).toEqual(sent.map((r) => JSON.stringify(r)).sort());
    expectProblem(await get(api(), '/epochs/9/reports'), 404, 'not-found');
  });

  it('refuses a different report from the same monitor (409 report-conflict), keeping the first', async () => {
    const first = reportOf(monitor, 0, targets);
    expect((await submitReport(api(), monitor, 0, first)).statusCode).toBe(201);
    const second = reportOf(monitor, 0, targets, { down: () => 3 });
    const res = await submitReport(api(), monitor, 0, second);
    const problem = expectProblem(res, 409, 'report-conflict', /already submitted a different report/);
    expect(problem['digest']).toBe(reportDigest(first));
    const list = await getJson<{ reports: unknown[] }>(api(), '/epochs/0/reports');
    expect(list.reports).toEqual([first]);
  });

  it('refuses a malformed report with every problem listed (400 malformed-report)', async () => {
    const report = reportOf(monitor, 0, targets);
    const broken = { ...report, report: { ...report.report, version: 3, targets: 'all' } };
    const res = await submitReport(api(), monitor, 0, JSON.stringify(broken));
    const problem = expectProblem(res, 400, 'malformed-report');
    expect(problem['problems']).toEqual([
      '$.report.version: must be 1 or 2, got 3',
      '$.report.targets: must be an array, got "all"',
    ]);
    expectProblem(await submitReport(api(), monitor, 0, '[1,2]'), 400, 'malformed-report');
    await nothingStored();
  });

  it('refuses a mean latency that is not whole microseconds (400 malformed-report)', async () => {
    const { report } = reportOf(monitor, 0, targets);
    const [first, ...rest] = report.targets;
    const unrounded = signReport(
      { ...report, targets: [{ ...first!, mean_latency_ms: 50.0234 }, ...rest] },
      monitor.privateKey,
    );
    const problem = expectProblem(await submitReport(api(), monitor, 0, unrounded), 400, 'malformed-report');
    expect(problem['problems']).toEqual([
      '$.report.targets[0].mean_latency_ms: must be whole microseconds (at most 3 decimal places), got 50.0234',
    ]);
    await nothingStored();
  });

  it('refuses a report for another epoch than the path’s (400 wrong-epoch)', async () => {
    const res = await submitReport(api(), monitor, 0, reportOf(monitor, 1, targets));
    expectProblem(res, 400, 'wrong-epoch', /send it to \/epochs\/1\/reports/);
    await nothingStored();
  });

  it('refuses reports outside the report window: future, not ended, closed, settled (409)', async () => {
    for (const future of [5, 999_999_999]) {
      expectProblem(
        await submitReport(api(), monitor, future, reportOf(monitor, future, targets)),
        409,
        'report-window-not-open',
        /has not started yet/,
      );
    }
    expectProblem(
      await submitReport(api(), monitor, 1, reportOf(monitor, 1, targets)),
      409,
      'report-window-not-open',
      /accepted from its end, 2026-11-01T02:00:00/,
    );
    api().clock.now = windowEndOf(0);
    expectProblem(
      await submitReport(api(), monitor, 0, reportOf(monitor, 0, targets)),
      409,
      'report-window-closed',
    );
    await tickAt(api(), windowEndOf(0));
    expectProblem(
      await submitReport(api(), monitor, 0, reportOf(monitor, 0, targets)),
      409,
      'report-window-closed',
    );
    await nothingStored();
  });

  it('refuses a monitor that audits nobody this epoch, and a key id that is not the report’s monitor (403)', async () => {
    // Joined after epoch 0 started: a registered node with a key, but not a member.
    const [late] = makeNodes(1, 'late') as [TestNode];
    await registerNode(api(), late);
    const res = await submitReport(api(), late, 0, reportOf(late, 0, targets));
    expectProblem(res, 403, 'not-assigned', /audits nobody in epoch 0 \(it is not a member\)/);
    const other = nodes[1] as TestNode;
    expectProblem(
      await submitReport(api(), other, 0, reportOf(monitor, 0, targets)),
      403,
      'not-assigned',
      /signed by node-01, but the report is node-00's/,
    );
    await nothingStored();
  });

  it('refuses a report whose signature is not the monitor’s (400 bad-report-signature)', async () => {
    const forged = signReport(reportOf(monitor, 0, targets).report, generateKeyPair().privateKey);
    expectProblem(
      await submitReport(api(), monitor, 0, forged),
      400,
      'bad-report-signature',
      /the key node-00 had when epoch 0 started/,
    );
    await nothingStored();
  });

  it('counts reports by result and per epoch in /metrics', async () => {
    await submitReport(api(), monitor, 0, reportOf(monitor, 0, targets));
    await submitReport(api(), monitor, 0, reportOf(monitor, 0, targets));
    await submitReport(api(), monitor, 0, reportOf(monitor, 0, targets, { down: () => 1 }));
    const text = (await get(api(), '/metrics')).body;
    expect(text).toMatch(/^vigil_epoch_reports_total\{result="accepted"\} 1$/m);
    expect(text).toMatch(/^vigil_epoch_reports_total\{result="duplicate"\} 1$/m);
    expect(text).toMatch(/^vigil_epoch_reports_total\{result="conflict"\} 1$/m);
    expect(text).toMatch(/^vigil_epoch_reports_accepted\{epoch="0"\} 1$/m);
  });
});
