import { httpGet } from './http-get.ts';
import type { ProbeAgents, ProbeResult } from './types.ts';

/**
 * HTTP(S) health probe: GET `url`; up on 2xx and 3xx (redirects are not followed: a node
 * that answers is alive). Down on a timeout, a refused connection or any other status,
 * with the reason. Latency is measured for every answer, down ones too: the request on an
 * established connection, the connection's set-up kept apart in `connect_ms`.
 */
export async function probeHttp(
  url: string | URL,
  timeoutMs: number,
  { agents }: { agents?: ProbeAgents } = {},
): Promise<ProbeResult> {
  const answer = await httpGet(url, timeoutMs, { agents });
  if (!answer.ok) return { up: false, latency_ms: null, reason: answer.reason };
  const up = answer.status >= 200 && answer.status < 400;
  const { latency_ms, connect_ms } = answer;
  return { up, latency_ms, connect_ms, reason: up ? null : `HTTP ${answer.status}` };
}
