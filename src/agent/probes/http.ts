import { httpGet } from './http-get.ts';
import type { ProbeAgents, ProbeResult } from './types.ts';

/**
 * HTTP(S) health probe: GET `url`; up on 2xx and 3xx (redirects are not followed: a node
 * that answers is alive). Down on a timeout, a refused connection or any other status,
 * with the reason. Latency is measured for every answer, down ones too.
 */
export async function probeHttp(
  url: string | URL,
  timeoutMs: number,
  { agents }: { agents?: ProbeAgents } = {},
): Promise<ProbeResult> {
  const answer = await httpGet(url, timeoutMs, { agents });
  if (!answer.ok) return { up: false, latency_ms: null, reason: answer.reason };
  const up = answer.status >= 200 && answer.status < 400;
  return { up, latency_ms: answer.latency_ms, reason: up ? null : `HTTP ${answer.status}` };
}
