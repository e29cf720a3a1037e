import { httpGet } from './http-get.ts';
import type { ProbeAgents, ProbeResult } from './types.ts';

/** `{agent_url}/status`, keeping any path the agent URL has. */
export function statusUrlOf(agentUrl: string): string {
  return `${agentUrl.replace(/\/+$/, '')}/status`;
}

/**
 * Container-health probe through the target's own agent: GET {agent_url}/status is up only
 * when it answers 200 with `status: "ok"` (its containers and checks are healthy). The
 * reason names what the target's agent said was wrong.
 */
export function probeStatus(
  agentUrl: string,
  timeoutMs: number,
  { agents }: { agents?: ProbeAgents } = {},
): Promise<ProbeResult> {
  return probeStatusAt(statusUrlOf(agentUrl), timeoutMs, { agents });
}

/** `probeStatus` given the status URL itself (planned once per target). */
export async function probeStatusAt(
  statusUrl: string | URL,
  timeoutMs: number,
  { agents }: { agents?: ProbeAgents } = {},
): Promise<ProbeResult> {
  const answer = await httpGet(statusUrl, timeoutMs, { agents, readBody: true });
  if (!answer.ok) return { up: false, latency_ms: null, reason: answer.reason };
  const { latency_ms, connect_ms } = answer;
  if (answer.status !== 200) return { up: false, latency_ms, connect_ms, reason: `HTTP ${answer.status}` };
  let status: unknown;
  try {
    status = (JSON.parse(answer.body ?? '') as { status?: unknown } | null)?.status;
  } catch {
    return { up: false, latency_ms, connect_ms, reason: 'status answer is not JSON' };
  }
  if (status === 'ok') return { up: true, latency_ms, connect_ms, reason: null };
  return {
    up: false,
    latency_ms,
    connect_ms,
    reason: `status ${typeof status === 'string' ? status : 'missing'}`,
  };
}
