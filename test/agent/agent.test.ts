import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAgent, type StartAgentOptions, startAgent } from '../../src/agent/agent.ts';
import { openAgentLog } from '../../src/agent/log/database.ts';
import { reportRow } from '../../src/agent/log/outbox.ts';
import { countSamples } from '../../src/agent/log/samples.ts';
import { verifySignedReport } from '../../src/core/reports/index.ts';
import { loadOrCreateIdentity } from '../../src/node-client/identity.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { eventually } from '../helpers/eventually.ts';
import { closedPort, type LocalServer, sendJson, serve } from '../helpers/http.ts';
import { metricValue } from '../helpers/metric-value.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';
import { type FakeCoordinator, startFakeCoordinator } from './support/fake-coordinator.ts';
import { member } from './support/network.ts';

const MONITORING = { probe_interval_s: 0.1, probe_timeout_ms: 500, interim_period_s: 0.3 };

describe('agent against a contract-faithful fake coordinator', () => {
  const dirs = tempDirs();
  const servers: LocalServer[] = [];
  const agents: RunningAgent[] = [];
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
    dirs.cleanup();
  });

  /** A node whose health endpoint answers `status`; its address is real loopback. */
  async function node(status: number): Promise<LocalServer> {
    const s = await serve((_req, res) => sendJson(res, status, { status }));
    servers.push(s);
    return s;
  }

  /**
   * One monitor ("me", keyed in a temp dir) auditing `targets` in epoch 0, which starts now
   * and lasts `length_ms`; later epochs have no seed yet, as between settlements.
   */
  async function network(targets: ReturnType<typeof member>[], length_ms = 1200, extra: string[] = []) {
    const dir = dirs.make();
    const keyPath = join(dir, 'node.key');
    const me = await loadOrCreateIdentity(keyPath);
    const fake: FakeCoordinator = await startFakeCoordinator({
      genesis_ms: Date.now(),
      length_ms,
      report_window_ms: 60_000,
      monitoring: MONITORING,
      members: [
        { node_id: me.nodeId, public_key: me.publicKey, endpoint: null, agent_url: null },
        ...targets,
      ],
      groups: new Map([[0, new Map([[me.nodeId, [...targets.map((t) => t.node_id), ...extra]]])]]),
      apiKey: 'operator-key',
    });
    servers.push(fake);
    const options: StartAgentOptions = {
      coordinatorUrl: fake.url,
      keyPath,
      dataDir: join(dir, 'data'),
      pollMs: 50,
      outboxBaseBackoffMs: 20,
      outboxMaxBackoffS: 1,
      sampleFlushMs: 20,
      dockerSocket: null,
    };
    return { fake, me, options, dataDir: options.dataDir };
  }

  async function start(options: StartAgentOptions): Promise<RunningAgent> {
    const agent = await startAgent(options);
    agents.push(agent);
    return agent;
  }

  async function stop(agent: RunningAgent): Promise<void> {
    agents.splice(agents.indexOf(agent), 1);
    await agent.close();
  }

  it('probes its targets through an epoch, sends interim summaries and one signed report, then compacts', async () => {
    const up = await node(200);
    const down = await node(500);
    const { fake, me, options, dataDir } = await network([
      member('target-up', up.url),
      member('target-down', down.url),
    ]);
    const agent = await start(options);
    expect(agent.nodeId).toBe(me.nodeId);

    const stored = await eventually('the report', () => fake.stored.get(`0/${me.nodeId}`));
    const signed = JSON.parse(stored.body);
    expect(verifySignedReport(signed, me.publicKey)).toBe(true);
    const [downSummary, upSummary] = signed.report.targets;
    expect(signed.report).toMatchObject({ epoch: 0, monitor: me.nodeId, probe_interval_s: 0.1 });
    expect(downSummary).toMatchObject({ target: 'target-down', up_samples: 0, mean_latency_ms: null });
    expect(downSummary.samples).toBeGreaterThan(0);
    expect(downSummary.downtime_intervals).toBe(downSummary.samples);
    expect(upSummary.target).toBe('target-up');
    expect(upSummary.samples).toBeGreaterThan(0);
    expect(upSummary.up_samples).toBe(upSummary.samples);
    expect(upSummary.mean_latency_ms).toBeGreaterThan(0);

    // Interim summaries carried the same probes as they came: each probe once, inside the epoch.
    const probes = fake.interims.flatMap((i) =>
      i.body.targets.flatMap((t) => t.probes.map((p) => `${t.target}@${p[0]}`)),
    );
    expect(new Set(probes).size).toBe(probes.length);
    expect(probes.length).toBe(upSummary.samples + downSummary.samples);
    const { start_ms, end_ms } = {
      start_ms: fake.options.genesis_ms,
      end_ms: fake.options.genesis_ms + 1200,
    };
    for (const i of fake.interims)
      for (const t of i.body.targets)
        for (const [at, verdict] of t.probes) {
          expect(at).toBeGreaterThanOrEqual(start_ms);
          expect(at).toBeLessThan(end_ms);
          expect(verdict).toBe(t.target === 'target-up' ? 1 : 0);
        }
    expect(fake.refusals).toEqual([]);

    const metrics = await eventually('accepted status on /metrics', async () => {
      const text = await (await fetch(`${agent.url}/metrics`)).text();
      return metricValue(text, 'vigil_agent_last_report_status', 'status="accepted"') === 1 && text;
    });
    expect(metricValue(metrics, 'vigil_agent_probes_total', 'result="up"')).toBe(upSummary.samples);
    expect(metricValue(metrics, 'vigil_agent_probes_total', 'result="down"')).toBe(downSummary.samples);
    expect(metricValue(metrics, 'vigil_agent_probes_total', 'result="discarded"')).toBe(0);
    expect(metricValue(metrics, 'vigil_agent_outbox_depth')).toBe(0);
    expect(metricValue(metrics, 'vigil_agent_epoch')).toBeGreaterThanOrEqual(0);
    expect(metrics).toContain('vigil_agent_probe_duration_seconds_bucket');

    await stop(agent);
    const db = openAgentLog(dataDir);
    expect(countSamples(db, 0)).toBe(0);
    expect(reportRow(db, 0)).toMatchObject({ state: 'delivered', body: stored.body });
    db.close();
  });

  it('retries a report with backoff until the coordinator takes it', async () => {
    const up = await node(200);
    const { fake, me, options, dataDir } = await network([member('a', up.url)], 600);
    fake.failNext('reports', 2, 503, 'unavailable');
    fake.failNext('reports', 1, 0, 'connection dropped');
    fake.failNext('reports', 1, 409, 'report-window-not-open');
    const agent = await start(options);
    await eventually('the report', () => fake.stored.get(`0/${me.nodeId}`));
    // The coordinator stored it; wait until the agent has heard so too.
    await eventually('the accepted status', async () => {
      const text = await (await fetch(`${agent.url}/metrics`)).text();
      return metricValue(text, 'vigil_agent_last_report_status', 'status="accepted"') === 1;
    });
    const attempts = fake.requests.filter((r) => r.path === '/epochs/0/reports');
    expect(attempts).toHaveLength(5);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    await stop(agent);
    const db = openAgentLog(dataDir);
    expect(reportRow(db, 0)).toMatchObject({ state: 'delivered', attempts: 5 });
    db.close();
  });

  it('stops for good on a final refusal, says so loudly, and keeps the samples', async () => {
    const up = await node(200);
    const { fake, me, options, dataDir } = await network([member('a', up.url)], 600);
    fake.failNext('reports', 1, 409, 'report-conflict');
    const log = captureLog();
    const agent = await start({ ...options, log });
    await eventually('the failed status', async () => {
      const text = await (await fetch(`${agent.url}/metrics`)).text();
      return metricValue(text, 'vigil_agent_last_report_status', 'status="failed"') === 1;
    });
    const refused = log.entries.find((e) => e.level === 'error');
    expect(refused?.msg).toMatch(/refused the report of epoch 0 for good/);
    await stop(agent);
    expect(fake.requests.filter((r) => r.path === '/epochs/0/reports')).toHaveLength(1);
    expect(fake.stored.has(`0/${me.nodeId}`)).toBe(false);
    const db = openAgentLog(dataDir);
    expect(reportRow(db, 0)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(countSamples(db, 0)).toBeGreaterThan(0);
    db.close();
  });

  it('after a restart resends the stored report byte for byte, never a rebuilt one', async () => {
    const up = await node(200);
    const { fake, me, options } = await network([member('a', up.url)], 600);
    fake.failNext('reports', 1_000, 503, 'unavailable');
    let agent = await start(options);
    const first = await eventually('a first attempt', () =>
      fake.requests.find((r) => r.path === '/epochs/0/reports'),
    );
    await stop(agent);

    fake.clearFailures();
    agent = await start(options);
    const stored = await eventually('the report', () => fake.stored.get(`0/${me.nodeId}`));
    expect(stored.body).toBe(first.body);
    const bodies = new Set(fake.requests.filter((r) => r.path === '/epochs/0/reports').map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(fake.reports.every((r) => r.status === 201 || r.status === 200)).toBe(true);
  });

  it('restarted mid-epoch, keeps the samples it had and reports once', async () => {
    const up = await node(200);
    const { fake, me, options } = await network([member('a', up.url), member('b', up.url)], 2000);
    let agent = await start(options);
    const before = await eventually('probes in an interim summary', () => {
      const n = fake.interims.reduce(
        (sum, i) => sum + i.body.targets.reduce((s, t) => s + t.probes.length, 0),
        0,
      );
      return n >= 4 && n;
    });
    await stop(agent);
    expect(Date.now()).toBeLessThan(fake.options.genesis_ms + 2000); // the restart is mid-epoch
    agent = await start(options);
    const stored = await eventually('the report', () => fake.stored.get(`0/${me.nodeId}`));
    const report = JSON.parse(stored.body).report;
    const samples = report.targets.reduce((n: number, t: { samples: number }) => n + t.samples, 0);
    expect(samples).toBeGreaterThanOrEqual(before);
    expect(fake.reports).toHaveLength(1);
    // Probes sent in interim summaries before and after the restart are the report's probes,
    // once each. The last summary and the report leave the outbox independently, so the
    // summary may arrive after the report. A summary the coordinator took just as the agent
    // stopped is sent again, byte for byte, after the restart (delivery is at least once and
    // the coordinator merges a resend idempotently): identical bodies count once.
    const interimProbes = () =>
      [...new Map(fake.interims.map((i) => [JSON.stringify(i.body), i])).values()].flatMap((i) =>
        i.body.targets.flatMap((t) => t.probes.map((p) => `${t.target}@${p[0]}`)),
      );
    await eventually('every probe in an interim summary', () => interimProbes().length >= samples);
    const probes = interimProbes();
    expect(new Set(probes).size).toBe(probes.length);
    expect(probes.length).toBe(samples);
  });

  it('discards failed probes while no reference target answers, and counts them', async () => {
    const refused = await closedPort();
    const { fake, me, options } = await network([member('gone', `http://127.0.0.1:${refused}/`)], 600);
    const agent = await start({ ...options, referenceTargets: [`http://127.0.0.1:${refused}/ref`] });
    const stored = await eventually('the report', () => fake.stored.get(`0/${me.nodeId}`));
    expect(JSON.parse(stored.body).report.targets[0]).toMatchObject({ target: 'gone', samples: 0 });
    const text = await (await fetch(`${agent.url}/metrics`)).text();
    expect(metricValue(text, 'vigil_agent_probes_total', 'result="discarded"')).toBeGreaterThan(0);
    expect(metricValue(text, 'vigil_agent_probes_total', 'result="down"')).toBe(0);
  });

  it('a node that is not a member waits for the next epoch and says why', async () => {
    const up = await node(200);
    const { fake, options } = await network([member('a', up.url)], 60_000);
    fake.options.groups.set(0, new Map([['a', []]]));
    const log = captureLog();
    await start({ ...options, log });
    const said = await eventually('the warning', () => log.entries.find((e) => /not a member/.test(e.msg)));
    expect(said.level).toBe('warn');
    expect(fake.requests.some((r) => r.path.endsWith('/interim') || r.path.endsWith('/reports'))).toBe(false);
  });

  it('registers the node once with its key and status URL, idempotently', async () => {
    const { fake, me, options } = await network([], 60_000);
    const register = { apiKey: 'operator-key', endpoint: 'http://127.0.0.1:9/' };
    let agent = await start({ ...options, port: 0, register });
    expect(fake.registrations).toEqual([
      {
        node_id: me.nodeId,
        public_key: me.publicKey,
        endpoint: register.endpoint,
        agent_url: agent.url,
        max_parallel: 1,
      },
    ]);
    const agentUrl = agent.url;
    await stop(agent);
    agent = await start({ ...options, agentUrl, register });
    expect(fake.registrations).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path === '/nodes')).toHaveLength(2);
  });
});
