import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdapterSpec } from '../core/work/topic.ts';
import type { Logger } from '../platform/log.ts';
import { type WorkerConfig, workerConfigSchema } from '../worker/config.ts';
import { startWorkerHost, type WorkerHost } from '../worker/host.ts';
import { createLoadGenerator, type TenantLoad } from './load-generator.ts';
import { type FaultSchedule, isBad, type NodeProfile } from './profiles.ts';
import { servedTopics } from './topics.ts';
import { createWorkService, type WorkService } from './work-service.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/adapters/', import.meta.url));

/**
 * A simulated day: two minutes, `vigil up`'s capacity interval (5 s) times its daily season
 * (24 intervals), so its forecasts see days and weeks within minutes (decision 0088).
 */
export const SIMULATED_DAY_MS = 120_000;

/**
 * Two tenants whose load follows a compressed day (busier by day, quieter by night and at the
 * weekend, each at its own hours) with bursts on top, over every simulated topic.
 */
const SIMULATED_TENANTS: readonly TenantLoad[] = [
  {
    tenantId: 'acme',
    topics: [
      { topic: 'sha256', payload: 'sha256-chain' },
      { topic: 'primes', payload: 'primes' },
    ],
    ratePerSecond: 2,
    burstEveryMs: 45_000,
    burstSize: 40,
    cycle: { dayMs: SIMULATED_DAY_MS, amplitude: 0.8, weekend: 0.5 },
  },
  {
    tenantId: 'globex',
    topics: [
      { topic: 'wordfreq', payload: 'wordfreq' },
      { topic: 'primes', payload: 'primes' },
    ],
    ratePerSecond: 3,
    burstEveryMs: 70_000,
    burstSize: 60,
    cycle: { dayMs: SIMULATED_DAY_MS, amplitude: 0.6, phase: Math.PI / 2, weekend: 0.7 },
  },
];

/** What a verifying node checks: sha256 by a command, primes by a module. */
const VERIFY_TOPICS = [
  {
    topic: 'sha256',
    adapter: { kind: 'command', command: process.execPath, args: [join(EXAMPLES, 'verify-sha256.mjs')] },
  },
  { topic: 'primes', adapter: { kind: 'module', path: join(EXAMPLES, 'verify-primes.mjs') } },
];

function adapterFor(topic: string, service: WorkService | null): AdapterSpec {
  if (topic === 'sha256') {
    return {
      kind: 'command',
      command: process.execPath,
      args: [join(EXAMPLES, 'sha256-chain.mjs')],
      env: {},
      cwd: null,
    };
  }
  if (topic === 'primes') return { kind: 'module', path: join(EXAMPLES, 'primes.mjs'), export: 'default' };
  return { kind: 'http', url: `${service?.url}/wordfreq`, headers: {} };
}

export interface WorkFleetOptions {
  coordinatorUrl: string;
  /** Operator key: tenants' jobs are submitted with it, naming the tenant. */
  apiKey: string;
  profiles: readonly NodeProfile[];
  schedule: FaultSchedule;
  started: number;
  /** Each node's key (shared with its agent) and outbox live under `<dataDir>/<node id>`. */
  dataDir: string;
  log: Logger;
}

export interface WorkFleet {
  close(): Promise<void>;
}

interface WorkHostSlot {
  profile: NodeProfile;
  host: WorkerHost | null;
  starting: Promise<void> | null;
  config: WorkerConfig;
}

/**
 * Real work for a simulated fleet: a worker host per node running its topics through real
 * adapters (a process per sha256 job, an in-process module for primes, the node's own HTTP
 * service for wordfreq), three healthy nodes verifying the others, and two tenants whose load
 * comes in bursts. Faults are real too: a failing node's service fails requests, a slow one
 * answers late, and a flapping node's host stops in its bad phases and starts again after.
 */
export async function startWorkFleet(o: WorkFleetOptions): Promise<WorkFleet> {
  const log = o.log.child({ component: 'work' });
  const services = new Map<string, WorkService>();
  const hosts = new Map<string, WorkHostSlot>();
  const verifiers = new Set(
    o.profiles
      .filter((p) => p.fault === 'healthy')
      .slice(0, 3)
      .map((p) => p.nodeId),
  );
  for (const [index, profile] of o.profiles.entries()) {
    const topics = servedTopics(index);
    const service = topics.includes('wordfreq') ? await startFaultyService(profile, o) : null;
    if (service !== null) services.set(profile.nodeId, service);
    const config = workerConfigFor(profile, topics, service, verifiers.has(profile.nodeId), o);
    hosts.set(profile.nodeId, { profile, host: null, starting: null, config });
  }
  await Promise.all([...hosts.values()].map((slot) => startSlot(slot, log)));
  const supervisor = superviseFlapping(hosts, o, log);
  const load = createLoadGenerator({
    coordinatorUrl: o.coordinatorUrl,
    apiKey: o.apiKey,
    log,
    tenants: SIMULATED_TENANTS,
  });
  load.start();
  log.info({ hosts: hosts.size, verifiers: verifiers.size }, 'simulated workers and tenant load started');

  return {
    async close() {
      clearInterval(supervisor);
      await load.stop();
      await Promise.all(
        [...hosts.values()].map(async (slot) => {
          await slot.starting;
          await slot.host?.stop('simulator stopping');
        }),
      );
      await Promise.all([...services.values()].map((s) => s.close()));
    },
  };
}

/** The node's wordfreq service, failing or slow as its profile says, in its bad phases. */
async function startFaultyService(p: NodeProfile, o: WorkFleetOptions): Promise<WorkService> {
  const service = createWorkService({
    faults: () => {
      const bad = isBad(p, o.schedule, Date.now() - o.started);
      return {
        failRate: bad && p.fault === 'failing' ? 0.6 : 0,
        slowMs: p.fault === 'slow' ? (bad ? 1500 : 150) : 0,
      };
    },
  });
  await service.start();
  return service;
}

/** A simulated node's worker configuration, as an operator would write it. */
function workerConfigFor(
  p: NodeProfile,
  topics: readonly string[],
  service: WorkService | null,
  verifies: boolean,
  o: WorkFleetOptions,
): WorkerConfig {
  const dir = join(o.dataDir, p.nodeId);
  return workerConfigSchema.parse({
    coordinator_url: o.coordinatorUrl,
    node_id: p.nodeId,
    key_path: join(dir, 'node.key'),
    data_dir: join(dir, 'worker'),
    pool: 'simulated',
    request_timeout_ms: 5000,
    heartbeat_interval_ms: 2000,
    claim_wait_ms: 5000,
    drain_timeout_ms: 2000,
    topics: topics.map((topic) => ({
      topic,
      concurrency: Math.min(2, p.maxParallel),
      adapter: adapterFor(topic, service),
    })),
    verify: verifies ? VERIFY_TOPICS : [],
  });
}

/** Starts a slot's host unless it is already starting; a host that fails to start is logged. */
function startSlot(slot: WorkHostSlot, log: Logger): Promise<void> {
  slot.starting ??= startWorkerHost(slot.config, { log, env: {} })
    .then((host) => {
      slot.host = host;
    })
    .catch((err: Error) =>
      log.warn({ node_id: slot.profile.nodeId, err: err.message }, 'worker host did not start'),
    )
    .finally(() => {
      slot.starting = null;
    });
  return slot.starting;
}

/**
 * A flapping node's workers go away in its bad phase (as a node that lost power or network)
 * and come back after it; their leases expire and other nodes re-run the jobs.
 */
function superviseFlapping(
  hosts: ReadonlyMap<string, WorkHostSlot>,
  o: WorkFleetOptions,
  log: Logger,
): NodeJS.Timeout {
  return setInterval(() => {
    for (const slot of hosts.values()) {
      if (slot.profile.fault !== 'flapping' || slot.starting !== null) continue;
      const bad = isBad(slot.profile, o.schedule, Date.now() - o.started);
      if (bad && slot.host !== null) {
        const host = slot.host;
        slot.host = null;
        slot.starting = host.stop('simulated outage').finally(() => {
          slot.starting = null;
        });
      } else if (!bad && slot.host === null) {
        void startSlot(slot, log);
      }
    }
  }, 1000);
}
