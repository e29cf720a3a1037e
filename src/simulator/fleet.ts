import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningAgent, startAgent } from '../agent/agent.ts';
import type { Logger } from '../platform/log.ts';
import { type HealthEndpoints, startHealthEndpoints } from './health-endpoints.ts';
import {
  type FaultSchedule,
  fleetProfiles,
  isBad,
  jobDurationMs,
  jobSucceeds,
  type NodeProfile,
  seededRandom,
} from './profiles.ts';
import { servedTopics } from './topics.ts';

export interface FleetOptions {
  coordinatorUrl: string;
  apiKey: string;
  nodes: number;
  heartbeatIntervalMs: number;
  /** How often each node reports the outcomes of the jobs it finished since the last report. */
  outcomeIntervalMs: number;
  /** Jobs each node finishes per second on average. */
  jobsPerSecond: number;
  schedule: FaultSchedule;
  seed: number;
  log: Logger;
  signal: AbortSignal;
  /**
   * Run a real agent per node (its key and probe log under `dataDir/<node id>`), and a real
   * health endpoint per node for its peers to probe. Registration then carries each node's
   * public key, endpoint and agent URL, so the nodes take part in epochs and settlement.
   */
  peers?: { dataDir: string; pollMs?: number };
}

const REQUEST_TIMEOUT_MS = 5_000;

/**
 * A simulated fleet that talks to the coordinator over real HTTP exactly as real nodes do:
 * it registers every node, then each node sends heartbeats (unless it is flapping and in a
 * bad phase) and batches of job outcomes shaped by its fault profile.
 */
export async function runFleet(o: FleetOptions): Promise<void> {
  const random = seededRandom(o.seed);
  const profiles = fleetProfiles(o.nodes, o.schedule, random);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` };

  async function call(method: string, path: string, body: unknown): Promise<number> {
    try {
      const res = await fetch(o.coordinatorUrl + path, {
        method,
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.any([o.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      if (res.status >= 400)
        o.log.warn(
          { path, status: res.status, body: (await res.text()).slice(0, 300) },
          'coordinator refused a call',
        );
      else await res.arrayBuffer();
      return res.status;
    } catch (err) {
      if (!o.signal.aborted) o.log.warn({ path, err: (err as Error).message }, 'coordinator unreachable');
      return 0;
    }
  }

  const started = Date.now();
  const peers = o.peers === undefined ? null : await startPeers(o, profiles, started);
  for (const [index, p] of profiles.entries()) {
    const agent = peers?.agents.get(p.nodeId);
    const identity =
      agent === undefined
        ? {}
        : {
            public_key: agent.publicKey,
            endpoint: peers?.health.urls.get(p.nodeId) ?? null,
            agent_url: agent.agentUrl,
          };
    const status = await call('POST', '/nodes', {
      node_id: p.nodeId,
      operator: 'simulated',
      endpoint: null,
      topics: peers === null ? ['inference', 'embedding'] : servedTopics(index),
      max_parallel: p.maxParallel,
      ...identity,
    });
    // Registered by an earlier run: its health and agent ports are new this time.
    if (status === 409 && agent !== undefined) {
      await call('PATCH', `/nodes/${p.nodeId}`, {
        endpoint: identity.endpoint,
        agent_url: identity.agent_url,
      });
    }
  }
  o.log.info(
    { nodes: profiles.length, faults: countFaults(profiles), agents: peers?.agents.size ?? 0 },
    'simulated fleet registered',
  );
  // With peers, nodes also do real work: their worker hosts send the heartbeats (with real busy
  // slots) and the outcomes, so the synthetic ones below are not sent.
  if (peers !== null) {
    const { startWorkFleet } = await import('./work-fleet.ts');
    const work = await startWorkFleet({
      coordinatorUrl: o.coordinatorUrl,
      apiKey: o.apiKey,
      profiles,
      schedule: o.schedule,
      started,
      dataDir: (o.peers as NonNullable<FleetOptions['peers']>).dataDir,
      log: o.log,
    });
    try {
      await new Promise<void>((resolve) => {
        if (o.signal.aborted) resolve();
        else o.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      await work.close();
      await Promise.all([...peers.agents.values()].map((a) => a.close()));
      await peers.health.close();
    }
    return;
  }

  let jobCounter = 0;
  const nodeLoop = async (p: NodeProfile) => {
    // Spread the nodes' timers so requests do not arrive in lockstep.
    await sleep(Math.floor(random() * o.heartbeatIntervalMs), undefined, { signal: o.signal }).catch(
      () => {},
    );
    let nextOutcomes = Date.now() + o.outcomeIntervalMs;
    let lastOutcomes = Date.now();
    while (!o.signal.aborted) {
      const now = Date.now();
      const bad = isBad(p, o.schedule, now - started);
      if (!(bad && p.fault === 'flapping')) {
        await call('POST', `/nodes/${p.nodeId}/heartbeat`, {
          busy_slots: Math.floor(random() * (p.maxParallel + 1) * 0.6),
          queue_length: Math.floor(random() * 5),
          version: 'sim-1',
        });
      }
      if (now >= nextOutcomes && !(bad && p.fault === 'flapping')) {
        const count = Math.max(
          1,
          Math.round(((now - lastOutcomes) / 1000) * o.jobsPerSecond * (0.5 + random())),
        );
        const batch = [];
        for (let i = 0; i < count; i++) {
          const finished = now - Math.floor(random() * (now - lastOutcomes));
          const duration = jobDurationMs(p, bad, random);
          batch.push({
            job_id: `sim-${started}-${++jobCounter}`,
            node_id: p.nodeId,
            topic: random() < 0.7 ? 'inference' : 'embedding',
            tenant_id: random() < 0.5 ? 'tenant-a' : 'tenant-b',
            status: jobSucceeds(p, bad, random) ? 'success' : 'failure',
            started_at: finished - duration,
            finished_at: finished,
          });
        }
        await call('POST', '/outcomes', batch);
        lastOutcomes = now;
        nextOutcomes = now + o.outcomeIntervalMs;
      }
      await sleep(o.heartbeatIntervalMs, undefined, { signal: o.signal }).catch(() => {});
    }
  };
  await Promise.all(profiles.map(nodeLoop));
}

/** A health endpoint and an agent per node; every agent's key persists under the data dir. */
async function startPeers(
  o: FleetOptions,
  profiles: readonly NodeProfile[],
  started: number,
): Promise<{ health: HealthEndpoints; agents: Map<string, RunningAgent> }> {
  const { dataDir, pollMs = 2_000 } = o.peers as NonNullable<FleetOptions['peers']>;
  const health = await startHealthEndpoints(profiles, o.schedule, started);
  const agents = new Map<string, RunningAgent>();
  for (const p of profiles) {
    const dir = join(dataDir, p.nodeId);
    agents.set(
      p.nodeId,
      await startAgent({
        coordinatorUrl: o.coordinatorUrl,
        keyPath: join(dir, 'node.key'),
        dataDir: dir,
        nodeId: p.nodeId,
        log: o.log,
        pollMs,
        // Dozens of agents share this process: a few probes each at a time is plenty.
        probeConcurrency: 8,
      }),
    );
  }
  return { health, agents };
}

function countFaults(profiles: readonly NodeProfile[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of profiles) counts[p.fault] = (counts[p.fault] ?? 0) + 1;
  return counts;
}
