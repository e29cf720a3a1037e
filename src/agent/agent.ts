import type { Registry } from 'prom-client';
import type { VigilConfig } from '../config/schema.ts';
import { loadOrCreateIdentity } from '../node-client/identity.ts';
import { startRegistration } from '../node-client/registration.ts';
import { createSignedClient } from '../node-client/signed-client.ts';
import { type Logger, silentLogger } from '../platform/log.ts';
import { createAgentCalls } from './coordinator-calls.ts';
import { createEpochMonitor, type EpochMonitor } from './epoch-monitor.ts';
import { createLimiter } from './limiter.ts';
import { openAgentLog } from './log/database.ts';
import { latestReportRow, outboxDepth } from './log/outbox.ts';
import { createSampleWriter, DEFAULT_SAMPLE_FLUSH_MS } from './log/sample-writer.ts';
import { createAgentMetrics, type ReportStatus } from './metrics.ts';
import { DEFAULT_BASE_BACKOFF_MS, startAgentOutbox } from './outbox-delivery.ts';
import { createProbeAgents } from './probes/http-get.ts';
import { createReferenceGate, DEFAULT_REFERENCE_CACHE_MS } from './probes/reference.ts';
import type { ProbeKind } from './probes/types.ts';
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
  const {
    coordinatorUrl,
    keyPath,
    dataDir,
    host = '127.0.0.1',
    port = 0,
    probeConcurrency = 64,
    probeJitterFraction = 0.1,
    checks = [],
    dockerSocket = null,
    outboxMaxBackoffS = 300,
    log: baseLog = silentLogger,
    now = Date.now,
    defaultMetrics = false,
    pollMs = 10_000,
    outboxBaseBackoffMs = DEFAULT_BASE_BACKOFF_MS,
    requestTimeoutMs = 10_000,
    referenceCacheMs = DEFAULT_REFERENCE_CACHE_MS,
    sampleFlushMs = DEFAULT_SAMPLE_FLUSH_MS,
  } = options;
  const identity = await loadOrCreateIdentity(keyPath);
  const nodeId = options.nodeId ?? identity.nodeId;
  const log = baseLog.child({ component: 'agent', node_id: nodeId });
  const base = coordinatorUrl.replace(/\/+$/, '');

  const cleanups: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const db = openAgentLog(dataDir);
    cleanups.push(() => db.close());
    const metrics = createAgentMetrics({ defaultMetrics, outboxDepth: () => outboxDepth(db) });
    const latest = latestReportRow(db);
    if (latest !== null)
      metrics.setLastReport(latest.subject, REPORT_STATUS_BY_STATE[latest.state] ?? 'none');

    const agents = createProbeAgents();
    cleanups.push(() => agents.close());
    const status = createStatusSource({ nodeId, checks, dockerSocket, agents, now });
    const server: AgentServer = await startAgentServer({ host, port, status, registry: metrics.registry });
    cleanups.push(() => server.close());
    const agentUrl = options.agentUrl ?? server.url;

    const client = createSignedClient({
      baseUrl: base,
      nodeId,
      privateKey: identity.privateKey,
      requestTimeoutMs,
      now,
    });
    const calls = createAgentCalls(client);
    const references = options.referenceTargets?.length ? options.referenceTargets : [`${base}/healthz`];
    const gate = createReferenceGate({
      urls: references,
      // A reference is asked as long as a probe may take: it should answer well within that.
      timeoutMs: 5_000,
      cacheMs: referenceCacheMs,
      agents,
      now,
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
    const writer = createSampleWriter(db, {
      flushMs: sampleFlushMs,
      onError: (error, lost) => log.error({ error: error.message, lost }, 'could not log probes'),
    });
    cleanups.push(() => writer.close());
    const sender = startAgentOutbox({
      db,
      calls,
      log,
      maxBackoffMs: outboxMaxBackoffS * 1000,
      baseBackoffMs: outboxBaseBackoffMs,
      now,
      onSettled(row, outcome) {
        if (row.kind !== 'report') return;
        const newest = latestReportRow(db);
        if (newest === null || newest.subject === row.subject) {
          metrics.setLastReport(row.subject, outcome === 'delivered' ? 'accepted' : 'failed');
        }
      },
    });
    cleanups.push(() => sender.close());

    if (options.register) {
      const registration = await startRegistration({
        client,
        apiKey: options.register.apiKey,
        registration: {
          node_id: nodeId,
          public_key: identity.publicKey,
          endpoint: options.register.endpoint,
          agent_url: agentUrl,
          max_parallel: 1,
        },
        log,
        backoff: { initialMs: outboxBaseBackoffMs, maxMs: outboxMaxBackoffS * 1000 },
      });
      cleanups.push(() => registration.stop());
    }

    const monitor: EpochMonitor = createEpochMonitor({
      db,
      calls,
      nodeId,
      privateKey: identity.privateKey,
      log,
      metrics,
      limiter: createLimiter(probeConcurrency),
      agents,
      gate,
      writer,
      outbox: sender,
      jitterFraction: probeJitterFraction,
      kinds: options.probeKinds,
      pollMs,
      now,
    });
    monitor.start();
    cleanups.push(async () => {
      // Both loops stop first, then calls in flight are cut: a coordinator that hangs must not
      // hold the agent open, and a call cut short is not counted as a failed attempt.
      const stopping = [monitor.close(), sender.close()];
      await client.close();
      await Promise.all(stopping);
    });
    log.info(
      { url: server.url, agent_url: agentUrl, coordinator: base, data_dir: dataDir },
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
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
