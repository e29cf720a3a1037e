import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../../src/agent/agent.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../../src/coordinator/server.ts';
import { silentLogger } from '../../src/platform/log.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { eventually } from '../helpers/eventually.ts';
import { type LocalServer, sendJson, serve } from '../helpers/http.ts';
import { metricValue } from '../helpers/metric-value.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';
import { member } from './support/network.ts';

// The agent against the real coordinator (SQLite in a temp file, one-second probes, a
// three-second epoch): registration, epoch and assignment reads, node-signed interim summaries
// and report, and the epoch settling with the report in it.
describe('agent against the real coordinator', () => {
  const dirs = tempDirs();
  const closers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c.close();
    dirs.cleanup();
  });

  it('registers, probes its group through an epoch, and its signed report is accepted and settled', async () => {
    const dir = dirs.make();
    // Epoch 0's members are the nodes registered before it starts: on a machine busy with
    // the rest of the suite (the namespace network test starts a dozen processes), one second
    // was not always enough to start the coordinator and register the agent.
    const genesis_ms = Math.ceil((Date.now() + 4_000) / 1000) * 1000;
    const config = defaultConfig();
    config.port = 0;
    config.database_url = join(dir, 'vigil.db');
    config.auth.signing_key_path = join(dir, 'coordinator.key');
    config.epochs.genesis = new Date(genesis_ms).toISOString();
    config.epochs.length_s = 3;
    config.epochs.report_window_s = 2;
    config.monitoring.probe_interval_s = 1;
    config.monitoring.probe_timeout_ms = 500;
    config.monitoring.interim_period_s = 1;
    const coordinator: RunningCoordinator = await startCoordinator(config, { log: silentLogger });
    closers.push(coordinator);
    const base = coordinator.url.replace('://[::1]', '://127.0.0.1');
    const operator = (await createApiKey(coordinator.store.db, 'operator', 'agent test')).key;

    const healthy: LocalServer = await serve((_req, res) => sendJson(res, 200, {}));
    const failing: LocalServer = await serve((_req, res) => sendJson(res, 500, {}));
    closers.push(healthy, failing);
    for (const node of [member('peer-up', healthy.url), member('peer-down', failing.url)]) {
      const res = await fetch(`${base}/nodes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          node_id: node.node_id,
          public_key: node.public_key,
          endpoint: node.endpoint,
          max_parallel: 1,
        }),
      });
      expect(res.status, await res.text()).toBe(201);
    }

    const log = captureLog();
    const agent: RunningAgent = await startAgent({
      log,
      coordinatorUrl: base,
      keyPath: join(dir, 'node.key'),
      dataDir: join(dir, 'agent'),
      register: { apiKey: operator, endpoint: healthy.url },
      pollMs: 200,
      outboxBaseBackoffMs: 100,
      outboxMaxBackoffS: 1,
      sampleFlushMs: 50,
      dockerSocket: null,
    });
    closers.push(agent);
    const registration = await fetch(`${base}/nodes/${agent.nodeId}`, {
      headers: { authorization: `Bearer ${operator}` },
    });
    const registered = (await registration.json()) as { public_key: string; agent_url: string };
    expect(registered).toMatchObject({ public_key: agent.publicKey, agent_url: agent.url });
    expect(Date.now(), 'the agent registered before epoch 0 began').toBeLessThan(genesis_ms);

    const reports = await eventually(
      'the accepted report',
      async () => {
        const body = (await (await fetch(`${base}/epochs/0/reports`)).json()) as {
          reports?: Array<{ report: { monitor: string; targets: Array<Record<string, unknown>> } }>;
        };
        return body.reports?.find((r) => r.report.monitor === agent.nodeId);
      },
      20_000,
    );
    const byTarget = new Map(reports.report.targets.map((t) => [t.target, t]));
    expect([...byTarget.keys()]).toEqual(['peer-down', 'peer-up']);
    const up = byTarget.get('peer-up')!;
    const down = byTarget.get('peer-down')!;
    expect(up.samples).toBeGreaterThan(0);
    expect(up.up_samples).toBe(up.samples);
    expect(down.samples).toBeGreaterThan(0);
    expect(down.up_samples).toBe(0);

    const settled = await eventually(
      'the settlement',
      async () => {
        const res = await fetch(`${base}/epochs/0/settlement`);
        return res.status === 200 && ((await res.json()) as { settlement: { reports_accepted: number } });
      },
      20_000,
    );
    expect(settled.settlement.reports_accepted).toBe(1);
    const metrics = await (await fetch(`${agent.url}/metrics`)).text();
    expect(metricValue(metrics, 'vigil_agent_last_report_status', 'status="accepted"')).toBe(1);
    expect(metricValue(metrics, 'vigil_agent_outbox_depth')).toBe(0);
    // Every interim summary and the report went through on the first try: signatures, paths
    // and bodies are what the real coordinator expects.
    expect(log.entries.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([]);
    const queued = log.entries.filter((e) => e.msg === 'interim summary queued');
    expect(queued.length).toBeGreaterThan(0);
    expect(log.entries.filter((e) => e.msg === 'interim summary delivered')).toHaveLength(queued.length);
    expect(log.entries.filter((e) => /not delivered yet/.test(e.msg))).toEqual([]);
  });
});
