import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../../src/agent/agent.ts';
import { type RunningCoordinator, startCoordinator } from '../../src/coordinator/server.ts';
import type { Settlement } from '../../src/core/settlement/types.ts';
import { silentLogger } from '../../src/platform/log.ts';
import { startShortEpochs } from './short-epochs.ts';

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
    const network = await startShortEpochs(dir, {
      epochS: EPOCH_S,
      windowS: WINDOW_S,
      adjust: (c) => {
        c.monitoring.interim_period_s = 2;
      },
    });
    coordinator = network.coordinator;
    const { config, base, apiKey, epochStart: epochOneStart, epochEnd: epochOneEnd } = network;

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
