import type { DatabaseSync } from 'node:sqlite';
import type { Registry } from 'prom-client';
import type { VigilConfig } from '../config/schema.ts';
import { loadOrCreateIdentity, type NodeIdentity } from '../node-client/identity.ts';
import type { OutboxSender } from '../node-client/outbox/sender.ts';
import { startRegistration } from '../node-client/registration.ts';
import { createSignedClient, type SignedClient } from '../node-client/signed-client.ts';
import { Closers } from '../platform/closers.ts';
import { type Logger, silentLogger } from '../platform/log.ts';
import { type AgentCalls, createAgentCalls } from './coordinator-calls.ts';
import { createEpochMonitor } from './epoch-monitor.ts';
import { createLimiter } from './limiter.ts';
import { openAgentLog } from './log/database.ts';
import { latestReportRow, outboxDepth } from './log/outbox.ts';
import { createSampleWriter, DEFAULT_SAMPLE_FLUSH_MS } from './log/sample-writer.ts';
import { type AgentMetrics, createAgentMetrics, type ReportStatus } from './metrics.ts';
import { DEFAULT_BASE_BACKOFF_MS, startAgentOutbox } from './outbox-delivery.ts';
import { createProbeAgents } from './probes/http-get.ts';
import { createReferenceGate, DEFAULT_REFERENCE_CACHE_MS, type ReferenceGate } from './probes/reference.ts';
import type { ProbeAgents, ProbeKind } from './probes/types.ts';
import { type AgentServer, startAgentServer } from './server.ts';
import { createStatusSource } from './status.ts';

export interface StartAgentOptions {
  /** Base URL of the coordinator. */
  coordinatorUrl: string;
  /** The node's ed25519 key (PEM, 0600); created on first start, never overwritten. */
  keyPath: string;
  /** Where the probe log and outbox live; one agent per directory (a second one is refused). */
  dataDir: string;
  /** Node id to act for; by default the one derived from the key (node-…). */
  nodeId?: string | null;
  /** Address and port of /status and /metrics; port 0 picks a free one. */
  host?: string;
  port?: number;
  /** The URL peers reach /status at, when it is not the address listened on (a proxy, 0.0.0.0). */
  agentUrl?: string | null;
  /** Checked before a failed probe counts; empty uses the coordinator's /healthz. */
  referenceTargets?: readonly string[];
  probeConcurrency?: number;
  probeJitterFraction?: number;
  /** Which probes targets get; all that apply by default (a benchmark may want 'http' only). */
  probeKinds?: readonly ProbeKind[];
  checks?: ReadonlyArray<{ name: string; url: string }>;
  dockerSocket?: string | null;
  outboxMaxBackoffS?: number;
  /** Settled reports kept in the log as the record of what was sent (`agent.reports_kept`). */
  reportsKept?: number;
  /** Register the node (POST /nodes) with this API key if it is not yet. */
  register?: { apiKey: string; endpoint: string | null } | null;
  log?: Logger;
  now?: () => number;
  /** Process metrics on /metrics: for an agent that has its process to itself. */
  defaultMetrics?: boolean;
  /** Longest wait between two reads of the current epoch. */
  pollMs?: number;
  outboxBaseBackoffMs?: number;
  requestTimeoutMs?: number;
  referenceCacheMs?: number;
  sampleFlushMs?: number;
}

export interface RunningAgent {
  nodeId: string;
  /** base64url of the raw ed25519 public key, as the coordinator records it. */
  publicKey: string;
  /** Whether this start created the key (print it, tell the operator to back it up). */
  keyCreated: boolean;
  keyPath: string;
  /** Base URL of /status and /metrics. */
  url: string;
  /** What peers are told to probe (`agent_url`). */
  agentUrl: string;
  registry: Registry;
  /** Stops probing, flushes the log, closes the server and the log. */
  close(): Promise<void>;
}

/** The `agent.*` configuration as startAgent options. */
export function agentOptionsFromConfig(agent: VigilConfig['agent']): StartAgentOptions {
  return {
    coordinatorUrl: agent.coordinator_url,
    keyPath: agent.key_path,
    dataDir: agent.data_dir,
    nodeId: agent.node_id,
    host: agent.host,
    port: agent.port,
    referenceTargets: agent.reference_targets,
    probeConcurrency: agent.probe_concurrency,
    probeJitterFraction: agent.probe_jitter_fraction,
    checks: agent.checks,
    dockerSocket: agent.docker_socket,
    outboxMaxBackoffS: agent.outbox_max_backoff_s,
    reportsKept: agent.reports_kept,
  };
}

const REPORT_STATUS_BY_STATE: Record<string, ReportStatus> = {
  pending: 'pending',
  delivered: 'accepted',
  failed: 'failed',
};

/**
 * Starts an agent: loads or creates the node key, opens the log in `dataDir`, serves /status
 * and /metrics, follows the coordinator's epochs, probes the assigned targets and delivers
 * interim summaries and signed reports through the outbox. Holds no process-wide state, so
 * many agents (each with its own key and data dir) can run in one process.
 */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const settings = withDefaults(options);
  const identity = await loadOrCreateIdentity(settings.keyPath);
  const nodeId = options.nodeId ?? identity.nodeId;
  const log = settings.log.child({ component: 'agent', node_id: nodeId });
  const base = settings.coordinatorUrl.replace(/\/+$/, '');
  const closers = new Closers();
  const context: AgentContext = { settings, identity, nodeId, log, closers };
  try {
    const { db, metrics } = openLog(context);
    const { agents, server } = await serveStatus(context, metrics);
    const agentUrl = options.agentUrl ?? server.url;
    const client = createSignedClient({
      baseUrl: base,
      nodeId,
      privateKey: identity.privateKey,
      requestTimeoutMs: settings.requestTimeoutMs,
      now: settings.now,
    });
    closers.add(() => client.close());
    const calls = createAgentCalls(client);
    const writer = createSampleWriter(db, {
      flushMs: settings.sampleFlushMs,
      onError: (error, lost) => log.error({ error: error.message, lost }, 'could not log probes'),
    });
    closers.add(() => writer.close());
    const sender = startOutbox(context, { db, calls, metrics });
    closers.add(() => sender.close());
    if (options.register) await register(context, client, { ...options.register, agentUrl });
    const gate = referenceGate(context, { references: options.referenceTargets, base, agents });
    const monitor = createEpochMonitor({
      db,
      calls,
      nodeId,
      privateKey: identity.privateKey,
      log,
      metrics,
      limiter: createLimiter(settings.probeConcurrency),
      agents,
      gate,
      writer,
      outbox: sender,
      jitterFraction: settings.probeJitterFraction,
      kinds: options.probeKinds,
      pollMs: settings.pollMs,
      now: settings.now,
    });
    monitor.start();
    closers.add(async () => {
      // Both loops stop first, then calls in flight are cut: a coordinator that hangs must not
      // hold the agent open, and a call cut short is not counted as a failed attempt.
      const stopping = [monitor.close(), sender.close()];
      await client.close();
      await Promise.all(stopping);
    });
    log.info(
      { url: server.url, agent_url: agentUrl, coordinator: base, data_dir: settings.dataDir },
      'agent listening',
    );
    let closing: Promise<void> | null = null;
    return {
      nodeId,
      publicKey: identity.publicKey,
      keyCreated: identity.created,
      keyPath: identity.path,
      url: server.url,
      agentUrl,
      registry: metrics.registry,
      close: () => (closing ??= closers.closeAll()),
    };
  } catch (error) {
    await closers.closeAll();
    throw error;
  }
}

/** What every step of an agent's start shares. */
interface AgentContext {
  settings: AgentSettings;
  identity: NodeIdentity;
  nodeId: string;
  log: Logger;
  /** Where each step leaves what must be closed when the agent closes. */
  closers: Closers;
}

/** The log in the data dir, and /metrics' view of it (the newest report's status as logged). */
function openLog({ settings, closers }: AgentContext): { db: DatabaseSync; metrics: AgentMetrics } {
  const db = openAgentLog(settings.dataDir);
  closers.add(() => db.close());
  const metrics = createAgentMetrics({
    defaultMetrics: settings.defaultMetrics,
    outboxDepth: () => outboxDepth(db),
  });
  const latest = latestReportRow(db);
  if (latest !== null) metrics.setLastReport(latest.subject, REPORT_STATUS_BY_STATE[latest.state] ?? 'none');
  return { db, metrics };
}

/** /status (what peers probe) and /metrics, with the probe connections status checks share. */
async function serveStatus(
  { settings, nodeId, closers }: AgentContext,
  metrics: AgentMetrics,
): Promise<{ agents: ProbeAgents; server: AgentServer }> {
  const agents = createProbeAgents();
  closers.add(() => agents.close());
  const { checks, dockerSocket, now } = settings;
  const status = createStatusSource({ nodeId, checks, dockerSocket, agents, now });
  const server = await startAgentServer({
    host: settings.host,
    port: settings.port,
    status,
    registry: metrics.registry,
  });
  closers.add(() => server.close());
  return { agents, server };
}

/**
 * Registers the node with what peers need to probe it, now or in the background; retries
 * back off like the outbox.
 */
async function register(
  { settings, identity, log, closers }: AgentContext,
  client: SignedClient,
  { apiKey, endpoint, agentUrl }: { apiKey: string; endpoint: string | null; agentUrl: string },
): Promise<void> {
  const { outboxBaseBackoffMs, outboxMaxBackoffS } = settings;
  const registration = await startRegistration({
    client,
    apiKey,
    publicKey: identity.publicKey,
    reach: { endpoint, agent_url: agentUrl, max_parallel: 1 },
    log,
    backoff: { initialMs: outboxBaseBackoffMs, maxMs: outboxMaxBackoffS * 1000 },
  });
  closers.add(() => registration.stop());
}

type AgentSettings = ReturnType<typeof withDefaults>;

function withDefaults({
  host = '127.0.0.1',
  port = 0,
  probeConcurrency = 64,
  probeJitterFraction = 0.1,
  checks = [],
  dockerSocket = null,
  outboxMaxBackoffS = 300,
  log = silentLogger,
  now = Date.now,
  defaultMetrics = false,
  pollMs = 10_000,
  outboxBaseBackoffMs = DEFAULT_BASE_BACKOFF_MS,
  requestTimeoutMs = 10_000,
  referenceCacheMs = DEFAULT_REFERENCE_CACHE_MS,
  sampleFlushMs = DEFAULT_SAMPLE_FLUSH_MS,
  ...rest
}: StartAgentOptions) {
  return {
    ...rest,
    host,
    port,
    probeConcurrency,
    probeJitterFraction,
    checks,
    dockerSocket,
    outboxMaxBackoffS,
    log,
    now,
    defaultMetrics,
    pollMs,
    outboxBaseBackoffMs,
    requestTimeoutMs,
    referenceCacheMs,
    sampleFlushMs,
  };
}

/** Reports and summaries to the coordinator; /metrics follows the newest report's fate. */
function startOutbox(
  { settings, log }: AgentContext,
  { db, calls, metrics }: { db: DatabaseSync; calls: AgentCalls; metrics: AgentMetrics },
): OutboxSender {
  return startAgentOutbox({
    db,
    calls,
    log,
    maxBackoffMs: settings.outboxMaxBackoffS * 1000,
    baseBackoffMs: settings.outboxBaseBackoffMs,
    reportsKept: settings.reportsKept,
    now: settings.now,
    onSettled(row, outcome) {
      if (row.kind !== 'report') return;
      const newest = latestReportRow(db);
      if (newest === null || newest.subject === row.subject) {
        metrics.setLastReport(row.subject, outcome === 'delivered' ? 'accepted' : 'failed');
      }
    },
  });
}

/** Checked before a failed probe counts; the coordinator's /healthz unless others are configured. */
function referenceGate(
  { settings, log }: AgentContext,
  {
    references,
    base,
    agents,
  }: { references: readonly string[] | undefined; base: string; agents: ProbeAgents },
): ReferenceGate {
  return createReferenceGate({
    urls: references?.length ? references : [`${base}/healthz`],
    // A reference is asked as long as a probe may take: it should answer well within that.
    timeoutMs: 5_000,
    cacheMs: settings.referenceCacheMs,
    agents,
    now: settings.now,
    onChange(healthy, detail) {
      if (healthy)
        log.info({ references: detail }, 'a reference target answers again; failed probes count again');
      else
        log.warn(
          { references: detail },
          'no reference target answers: failed probes are discarded, not counted as downtime',
        );
    },
  });
}
