import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../../src/agent/agent.ts';
import { defaultConfig } from '../../src/config/schema.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import { silentLogger } from '../../src/coordinator/log.ts';
import { type RunningCoordinator, startCoordinator } from '../../src/coordinator/server.ts';
import type { Settlement } from '../../src/core/settlement/types.ts';

// The coordinator is down from just before an epoch ends until well into its report window:
// the agents keep their signed reports in their outboxes and deliver them when it returns,
// within the window, and the epoch settles with every report in it.

// Epoch n's groups are published when n−1 settles, one window into n: the window must be short.
const EPOCH_S = 10;
const WINDOW_S = 4;
const AGENTS = 4;

describe('the coordinator down during the report window', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-coordinator-down-'));
  const agents: RunningAgent[] = [];
  const servers: Server[] = [];
  let coordinator: RunningCoordinator | null = null;

  afterAll(async () => {
    for (const agent of agents) await agent.close();
    for (const server of servers) server.close();
    await coordinator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets every report once it is back, and settles the epoch with all of them', async () => {
    const epochOneStart = Math.ceil((Date.now() + 3_000) / 1000) * 1000;
    const epochOneEnd = epochOneStart + EPOCH_S * 1000;
    const config = defaultConfig();
    config.port = 0;
    config.database_url = join(dir, 'vigil.db');
    config.auth.signing_key_path = join(dir, 'coordinator.key');
    config.epochs.genesis = new Date(epochOneStart - EPOCH_S * 1000).toISOString();
    config.epochs.length_s = EPOCH_S;
    config.epochs.report_window_s = WINDOW_S;
    config.monitoring.probe_interval_s = 1;
    config.monitoring.probe_timeout_ms = 1_000;
    config.monitoring.interim_period_s = 2;
    coordinator = await startCoordinator(config, { log: silentLogger });
    const base = coordinator.url.replace('://[::1]', '://127.0.0.1');
    config.port = Number(new URL(base).port);
    const apiKey = (await createApiKey(coordinator.store.db, 'operator', 'down test')).key;

    const health = createServer((_req, res) => res.writeHead(200).end('{}'));
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    servers.push(health);
    const endpoint = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
    for (let i = 0; i < AGENTS; i++) {
      agents.push(
        await startAgent({
          coordinatorUrl: base,
          keyPath: join(dir, `n${i}`, 'node.key'),
          dataDir: join(dir, `n${i}`),
          nodeId: `n${i}`,
          probeKinds: ['http'],
          pollMs: 300,
          outboxBaseBackoffMs: 200,
          outboxMaxBackoffS: 1,
          // Failed calls to the coordinator must not be mistaken for the prober's own outage.
          referenceTargets: [endpoint],
          register: { apiKey, endpoint },
        }),
      );
    }
    expect(Date.now(), 'registered before epoch 1 started').toBeLessThan(epochOneStart);

    // Down from 300 ms before the epoch ends until 2 s into its 4 s report window.
    await sleep(epochOneEnd - 300 - Date.now());
    await coordinator.close();
    coordinator = null;
    await sleep(epochOneEnd + 2_000 - Date.now());
    const reports = () =>
      fetch(`${base}/epochs/1/reports`).then(
        async (r) => ((await r.json()) as { reports: unknown[] }).reports,
      );
    // Reports are only taken from the epoch's end on, when it was already down: every one
    // that counts was delivered after it came back.
    coordinator = await startCoordinator(config, { log: silentLogger });

    let settlement: Settlement | null = null;
    while (settlement === null) {
      expect(Date.now()).toBeLessThan(epochOneEnd + WINDOW_S * 1000 + 10_000);
      const res = await fetch(`${base}/epochs/1/settlement`);
      if (res.status === 200) settlement = ((await res.json()) as { settlement: Settlement }).settlement;
      else await res.arrayBuffer();
      await sleep(250);
    }
    expect(settlement.reports_accepted).toBe(AGENTS);
    expect(settlement.reports_rejected).toEqual([]);
    expect(settlement.nodes.every((n) => n.quorum_met && (n.checks ?? 0) > 0)).toBe(true);
    expect(await reports()).toHaveLength(AGENTS);
  }, 60_000);
});
