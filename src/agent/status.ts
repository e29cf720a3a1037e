import { stat } from 'node:fs/promises';
import { type ContainerStatus, containerOk, listContainers } from './docker.ts';
import { httpGet } from './probes/http-get.ts';
import type { ProbeAgents } from './probes/types.ts';

/** One configured check as /status reports it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** `GET /status`, as the contract writes it; peers count it up when `status` is "ok". */
export interface StatusDocument {
  node_id: string;
  status: 'ok' | 'degraded';
  checks: CheckResult[];
  /** Null when there is no Docker socket to ask. */
  containers: ContainerStatus[] | null;
  at: string;
}

export interface StatusSourceOptions {
  nodeId: string;
  checks: ReadonlyArray<{ name: string; url: string }>;
  /** Docker Engine API socket; ignored when null or absent from the file system. */
  dockerSocket: string | null;
  /** Per check and per Docker call; well under a peer's probe timeout. */
  timeoutMs?: number;
  /** How long one answer serves later callers: a node's monitors ask at once now and then. */
  cacheMs?: number;
  agents?: ProbeAgents;
  now?: () => number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function runCheck(
  check: { name: string; url: string },
  timeoutMs: number,
  agents: ProbeAgents | undefined,
): Promise<CheckResult> {
  const answer = await httpGet(check.url, timeoutMs, { agents });
  if (!answer.ok) return { name: check.name, ok: false, detail: answer.reason };
  const ok = answer.status >= 200 && answer.status < 400;
  return { name: check.name, ok, detail: `HTTP ${answer.status} in ${answer.latency_ms.toFixed(1)} ms` };
}

/**
 * What this node's agent says about its own node: each configured check (an HTTP GET, ok on
 * 2xx/3xx), and the containers the Docker Engine reports when its socket exists. Degraded
 * when a check fails, Docker does not answer, or a container is not running or unhealthy.
 */
export function createStatusSource({
  nodeId,
  checks,
  dockerSocket,
  timeoutMs = 2_000,
  cacheMs = 1_000,
  agents,
  now = Date.now,
}: StatusSourceOptions) {
  let cached: { doc: StatusDocument; at_ms: number } | null = null;
  let running: Promise<StatusDocument> | null = null;

  async function build(): Promise<StatusDocument> {
    const results = await Promise.all(checks.map((check) => runCheck(check, timeoutMs, agents)));
    let containers: ContainerStatus[] | null = null;
    if (dockerSocket !== null && (await exists(dockerSocket))) {
      try {
        containers = await listContainers(dockerSocket, timeoutMs);
      } catch (error) {
        results.push({ name: 'docker', ok: false, detail: (error as Error).message });
      }
    }
    const healthy = results.every((c) => c.ok) && (containers ?? []).every(containerOk);
    const at_ms = now();
    const doc: StatusDocument = {
      node_id: nodeId,
      status: healthy ? 'ok' : 'degraded',
      checks: results,
      containers,
      at: new Date(at_ms).toISOString(),
    };
    cached = { doc, at_ms };
    return doc;
  }

  return {
    read(): Promise<StatusDocument> {
      if (cached !== null && now() - cached.at_ms < cacheMs) return Promise.resolve(cached.doc);
      running ??= build().finally(() => {
        running = null;
      });
      return running;
    },
  };
}

export type StatusSource = ReturnType<typeof createStatusSource>;
