import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../../src/agent/agent.ts';
import { createAgentCalls } from '../../src/agent/coordinator-calls.ts';
import type { RunningCoordinator } from '../../src/coordinator/server.ts';
import { exportPublicKey, generateKeyPair } from '../../src/core/crypto/index.ts';
import { buildReport, signReport } from '../../src/core/reports/index.ts';
import type { ProbeSample, SignedReport } from '../../src/core/reports/types.ts';
import type { Settlement } from '../../src/core/settlement/types.ts';
import { createSignedClient } from '../../src/node-client/signed-client.ts';
import { startShortEpochs } from './short-epochs.ts';

// Issue 3's network test: 30 nodes on loopback, each with a real health endpoint. 21 run the
// real agent; 9 (30 %) are lying monitors that report healthy nodes as down and down nodes as
// up, signed with their own registered keys. Two nodes are down for the whole epoch, two are
// slow, one is down for a known part of it. Everyone audits everyone (groups of 29), so every
// group has fewer than half liars and the medians must stay inside the honest monitors' range.

const HONEST = 21;
const LIARS = 9;
const EPOCH_S = 12;
const WINDOW_S = 4;
const POOL = 30_000_000n;
const SLOW_MS = 300;
const LATENCY_ALLOWANCE_US = 150_000n;

type Behaviour = 'healthy' | 'down' | 'slow' | 'down-part';

interface NetNode {
  id: string;
  behaviour: Behaviour;
  liar: boolean;
  health: Server;
  url: string;
}

function behaviourOf(i: number): Behaviour {
  if (i < 2) return 'down';
  if (i < 4) return 'slow';
  if (i === 4) return 'down-part';
  return 'healthy';
}

async function healthServer(behaviour: Behaviour, downPart: () => boolean): Promise<Server> {
  const server = createServer((_req, res) => {
    const answer = (status: number) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    if (behaviour === 'down' || (behaviour === 'down-part' && downPart())) answer(503);
    else if (behaviour === 'slow') setTimeout(() => answer(200), SLOW_MS);
    else answer(200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** SKALE's formula written out again, independently of src/core, to check the settled rewards. */
function expectedReward(checks: number, downtime: number, latencyMs: number | null, nodes: number): bigint {
  let num = 1_000_000n;
  let den = 1n;
  const c = BigInt(checks);
  const d = BigInt(downtime);
  if (d * 30n > c) {
    num *= c - (d < c ? d : c);
    den *= c;
  }
  if (latencyMs !== null) {
    const us = BigInt(Math.round(latencyMs * 1000));
    if (us > LATENCY_ALLOWANCE_US) {
      num *= LATENCY_ALLOWANCE_US;
      den *= us;
    }
  }
  const score = num / den;
  return (POOL * score) / (BigInt(nodes) * 1_000_000n);
}

describe('a peer-monitored network of 30 nodes with 30 % lying monitors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-network-'));
  const nodes: NetNode[] = [];
  const agents: RunningAgent[] = [];
  let coordinator: RunningCoordinator;
  let base: string;
  let epoch: number;
  let epochStart: number;
  let epochEnd: number;
  let settlement: Settlement;
  let reports: SignedReport[];
  const liarKeys = new Map<string, ReturnType<typeof generateKeyPair>>();

  beforeAll(async () => {
    const network = await startShortEpochs(dir, {
      epochS: EPOCH_S,
      windowS: WINDOW_S,
      adjust: (c) => {
        c.monitoring.group_size = 29;
        c.monitoring.interim_period_s = 3;
        c.rewards.pool_minor_units = POOL.toString();
      },
    });
    ({ coordinator, base, epochStart, epochEnd } = network);
    const { apiKey } = network;
    epoch = 1;
    // The part-time outage: the middle third of the epoch.
    const third = (EPOCH_S * 1000) / 3;
    const downPart = () => Date.now() >= epochStart + third && Date.now() < epochStart + 2 * third;

    for (let i = 0; i < HONEST + LIARS; i++) {
      const liar = i >= HONEST;
      const behaviour = liar ? 'healthy' : behaviourOf(i);
      const health = await healthServer(behaviour, downPart);
      const { port } = health.address() as AddressInfo;
      const id = `${liar ? 'liar' : 'node'}-${String(i).padStart(2, '0')}`;
      nodes.push({ id, behaviour, liar, health, url: `http://127.0.0.1:${port}/health` });
    }
    for (const node of nodes) {
      if (node.liar) {
        const keys = generateKeyPair();
        liarKeys.set(node.id, keys);
        const res = await fetch(`${base}/nodes`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            node_id: node.id,
            public_key: exportPublicKey(keys.publicKey),
            endpoint: node.url,
            max_parallel: 1,
          }),
        });
        expect(res.status, await res.text()).toBe(201);
        continue;
      }
      agents.push(
        await startAgent({
          coordinatorUrl: base,
          keyPath: join(dir, node.id, 'node.key'),
          dataDir: join(dir, node.id),
          nodeId: node.id,
          probeKinds: ['http'],
          pollMs: 500,
          outboxBaseBackoffMs: 200,
          register: { apiKey, endpoint: node.url },
        }),
      );
    }
    expect(Date.now(), 'the network registered before epoch 1 started').toBeLessThan(epochStart);

    // The liars wait for their assignment, then sign fabricated reports once the epoch ends.
    await Promise.all(
      nodes
        .filter((n) => n.liar)
        .map((n) => lie(n, liarKeys.get(n.id) as ReturnType<typeof generateKeyPair>)),
    );

    // Settled once the report window closes.
    const deadline = epochEnd + WINDOW_S * 1000 + 15_000;
    for (;;) {
      const res = await fetch(`${base}/epochs/${epoch}/settlement`);
      if (res.status === 200) {
        settlement = ((await res.json()) as { settlement: Settlement }).settlement;
        break;
      }
      await res.arrayBuffer();
      if (Date.now() > deadline) throw new Error(`epoch ${epoch} did not settle (last answer ${res.status})`);
      await sleep(250);
    }
    reports = ((await (await fetch(`${base}/epochs/${epoch}/reports`)).json()) as { reports: SignedReport[] })
      .reports;
  }, 60_000);

  async function lie(node: NetNode, keys: ReturnType<typeof generateKeyPair>): Promise<void> {
    const signed = createSignedClient({
      baseUrl: base,
      nodeId: node.id,
      privateKey: keys.privateKey,
      requestTimeoutMs: 10_000,
    });
    const client = createAgentCalls(signed);
    let targets: string[] = [];
    for (;;) {
      try {
        const view = await client.currentEpoch();
        if (view.epoch === epoch && view.seed !== null) {
          targets = (await client.assignment(epoch, node.id)).targets.map((t) => t.node_id);
          break;
        }
      } catch {
        // not ready yet
      }
      await sleep(250);
    }
    await sleep(Math.max(0, epochEnd - Date.now() + 200));
    const samples = new Map<string, ProbeSample[]>();
    for (const target of targets) {
      const truth = nodes.find((n) => n.id === target) as NetNode;
      // Healthy-looking nodes are reported down, down ones up and fast.
      const up = truth.behaviour === 'down' || truth.behaviour === 'down-part';
      const list: ProbeSample[] = [];
      for (let t = epochStart + 5_000; t < epochEnd; t += 1_000)
        list.push({ at_ms: t, up, latency_ms: up ? 0.5 : null });
      samples.set(target, list);
    }
    const report = buildReport({
      epoch,
      monitor: node.id,
      created_at_ms: Date.now(),
      probe_interval_s: 1,
      samples,
    });
    const answer = await client.sendReport(epoch, JSON.stringify(signReport(report, keys.privateKey)));
    expect(answer.status).toBe(201);
    await signed.close();
  }

  afterAll(async () => {
    for (const agent of agents) await agent.close();
    for (const node of nodes) node.health.close();
    await coordinator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts every monitor’s report, honest and lying, and settles all 30 nodes', () => {
    expect(settlement.nodes.map((n) => n.node)).toEqual(nodes.map((n) => n.id).sort());
    expect(settlement.reports_accepted).toBe(HONEST + LIARS);
    expect(settlement.reports_rejected).toEqual([]);
    expect(settlement.nodes.every((n) => n.quorum_met && n.monitors_assigned === 29)).toBe(true);
    expect(reports.map((r) => r.report.monitor).sort()).toEqual(nodes.map((n) => n.id).sort());
  });

  it('keeps every node’s settled downtime and latency within its honest monitors’ range', () => {
    const honest = reports.filter((r) => !r.report.monitor.startsWith('liar-'));
    for (const row of settlement.nodes) {
      const entries = honest.flatMap((r) =>
        r.report.targets.filter((t) => t.target === row.node && t.samples > 0),
      );
      expect(entries.length, row.node).toBeGreaterThan(0);
      // Downtime is settled as a share of checks: it lies within the honest monitors' shares.
      const share = (row.downtime_intervals as number) / (row.checks as number);
      const shares = entries.map((e) => e.downtime_intervals / e.samples);
      expect(share, row.node).toBeGreaterThanOrEqual(Math.min(...shares));
      expect(share, row.node).toBeLessThanOrEqual(Math.max(...shares));
      // Settlement's latency figure is each entry's 10th percentile (docs/settlement.md).
      const latencies = entries.flatMap((e) => (e.latency_p10_ms == null ? [] : [e.latency_p10_ms]));
      if (row.latency_ms !== null && latencies.length > 0) {
        expect(row.latency_ms, row.node).toBeGreaterThanOrEqual(Math.min(...latencies));
        expect(row.latency_ms, row.node).toBeLessThanOrEqual(Math.max(...latencies));
      }
    }
  });

  it('pays what the reward formula gives: nothing to down nodes, less to slow ones, full shares to the rest', () => {
    const share = POOL / 30n;
    for (const row of settlement.nodes) {
      const node = nodes.find((n) => n.id === row.node) as NetNode;
      const expected = expectedReward(row.checks ?? 0, row.downtime_intervals ?? 0, row.latency_ms, 30);
      expect(BigInt(row.reward), row.node).toBe(expected);
      if (node.behaviour === 'down') expect(row.reward, row.node).toBe('0');
      if (node.behaviour === 'slow') {
        // Settled on each monitor's 10th percentile, the fastest answers: a server's 300 ms
        // timer may fire a fraction of a millisecond early (Node's timers run on the loop's
        // millisecond clock), so allow one millisecond.
        expect(row.latency_ms, row.node).toBeGreaterThanOrEqual(SLOW_MS - 1);
        // About half a share at a latency of the allowance: a hundredth over half at most,
        // since its fastest answers may settle a fraction of a millisecond under 300 ms.
        expect(BigInt(row.reward), row.node).toBeLessThanOrEqual(share / 2n + share / 100n);
      }
      if (node.behaviour === 'down-part') {
        expect(row.downtime_intervals, row.node).toBeGreaterThan(0);
        expect(BigInt(row.reward), row.node).toBeLessThan(share);
      }
      // Liars called healthy nodes down: their medians ignore it.
      if (node.behaviour === 'healthy') expect(row.reward, row.node).toBe(share.toString());
    }
    expect(BigInt(settlement.total_reward) + BigInt(settlement.withheld)).toBe(POOL);
  });
});
