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

/** One JSON call to the coordinator with the fleet's key; the status, or 0 when no answer came. */
type Call = (method: string, path: string, body: unknown) => Promise<number>;

type Peers = { health: HealthEndpoints; agents: Map<string, RunningAgent> };

/**
 * A simulated fleet that talks to the coordinator over real HTTP exactly as real nodes do:
 * it registers every node, then each node sends heartbeats (unless it is flapping and in a
 * bad phase) and batches of job outcomes shaped by its fault profile.
 */
export async function runFleet(o: FleetOptions): Promise<void> {
  const random = seededRandom(o.seed);
  const profiles = fleetProfiles(o.nodes, o.schedule, random);
  const call = fleetCaller(o);
  const started = Date.now();
  const peers = o.peers === undefined ? null : await startPeers(o, profiles, started);
  await registerFleet(profiles, peers, call);
  o.log.info(
    { nodes: profiles.length, faults: countFaults(profiles), agents: peers?.agents.size ?? 0 },
    'simulated fleet registered',
  );
  // With peers, nodes also do real work: their worker hosts send the heartbeats (with real busy
  // slots) and the outcomes, so the synthetic ones are not sent.
  if (peers !== null) await runWorkingFleet(o, profiles, peers, started);
  else {
    // Job ids count up across the fleet, so every synthetic outcome of this run is new.
    const ids = { last: 0 };
    await Promise.all(profiles.map((p) => syntheticNode(o, p, { call, random, started, ids })));
  }
}

function fleetCaller(o: FleetOptions): Call {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${o.apiKey}` };
  return async (method, path, body) => {
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
  };
}

/** Registers every node; with peers, with its key, health endpoint and agent URL. */
async function registerFleet(
  profiles: readonly NodeProfile[],
  peers: Peers | null,
  call: Call,
): Promise<void> {
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
}

/** Worker hosts doing real work beside the agents, until the fleet's signal aborts. */
async function runWorkingFleet(
  o: FleetOptions,
  profiles: readonly NodeProfile[],
  peers: Peers,
  started: number,
) {
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
}

/** One node without real work: heartbeats and synthetic outcomes shaped by its fault profile. */
async function syntheticNode(
  o: FleetOptions,
  p: NodeProfile,
  {
    call,
    random,
    started,
    ids,
  }: { call: Call; random: () => number; started: number; ids: { last: number } },
): Promise<void> {
  // Spread the nodes' timers so requests do not arrive in lockstep.
  await sleep(Math.floor(random() * o.heartbeatIntervalMs), undefined, { signal: o.signal }).catch(() => {});
  let nextOutcomes = Date.now() + o.outcomeIntervalMs;
  let lastOutcomes = Date.now();
  while (!o.signal.aborted) {
    const now = Date.now();
    const bad = isBad(p, o.schedule, now - started);
    const down = bad && p.fault === 'flapping';
    if (!down) {
      await call('POST', `/nodes/${p.nodeId}/heartbeat`, {
        busy_slots: Math.floor(random() * (p.maxParallel + 1) * 0.6),
        queue_length: Math.floor(random() * 5),
        version: 'sim-1',
      });
    }
    if (now >= nextOutcomes && !down) {
      await call(
        'POST',
        '/outcomes',
        outcomeBatch(o, p, { bad, since: lastOutcomes, now, random, started, ids }),
      );
      lastOutcomes = now;
      nextOutcomes = now + o.outcomeIntervalMs;
    }
    await sleep(o.heartbeatIntervalMs, undefined, { signal: o.signal }).catch(() => {});
  }
}

/** The outcomes a node finished since its last report, about `jobsPerSecond` of them. */
function outcomeBatch(
  o: FleetOptions,
  p: NodeProfile,
  {
    bad,
    since,
    now,
    random,
    started,
    ids,
  }: {
    bad: boolean;
    since: number;
    now: number;
    random: () => number;
    started: number;
    ids: { last: number };
  },
) {
  const count = Math.max(1, Math.round(((now - since) / 1000) * o.jobsPerSecond * (0.5 + random())));
  return Array.from({ length: count }, () => {
    const finished = now - Math.floor(random() * (now - since));
    const duration = jobDurationMs(p, bad, random);
    return {
      job_id: `sim-${started}-${++ids.last}`,
      node_id: p.nodeId,
      topic: random() < 0.7 ? 'inference' : 'embedding',
      tenant_id: random() < 0.5 ? 'tenant-a' : 'tenant-b',
      status: jobSucceeds(p, bad, random) ? 'success' : 'failure',
      started_at: finished - duration,
      finished_at: finished,
    };
  });
}

/** A health endpoint and an agent per node; every agent's key persists under the data dir. */
async function startPeers(
  o: FleetOptions,
  profiles: readonly NodeProfile[],
  started: number,
): Promise<Peers> {
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
        // Twenty minutes of `vigil up`'s two-minute epochs: the logs stop growing after it.
        reportsKept: 10,
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
