import { probeHttp } from './http.ts';
import { probeStatusAt, statusUrlOf } from './status.ts';
import { probeTcp, tcpAddressOf } from './tcp.ts';
import {
  ALL_PROBE_KINDS,
  type ProbeAgents,
  type ProbeKind,
  type ProbeResult,
  type ProbeTarget,
} from './types.ts';

/** A target's probes, worked out once per assignment so each probe skips URL parsing. */
export interface TargetPlan {
  node_id: string;
  http: URL | null;
  tcp: { host: string; port: number } | null;
  /** {agent_url}/status */
  status: URL | null;
}

function parseUrl(text: string | null): URL | null {
  if (text === null) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * Which probes a target gets: HTTP on its `endpoint`, TCP to the endpoint's host and port,
 * and its agent's /status when it has an `agent_url`; `kinds` narrows that (a benchmark
 * comparing HTTP probers asks for 'http' only).
 */
export function planTarget(target: ProbeTarget, kinds: readonly ProbeKind[] = ALL_PROBE_KINDS): TargetPlan {
  const endpoint = parseUrl(target.endpoint);
  const agentUrl = parseUrl(target.agent_url);
  return {
    node_id: target.node_id,
    http: kinds.includes('http') ? endpoint : null,
    tcp: kinds.includes('tcp') && endpoint !== null ? tcpAddressOf(endpoint) : null,
    status: kinds.includes('status') && agentUrl !== null ? new URL(statusUrlOf(agentUrl.href)) : null,
  };
}

const NOTHING_TO_PROBE: ProbeResult = {
  up: false,
  latency_ms: null,
  reason: 'no endpoint or agent_url to probe',
};

/**
 * One sample of a target: its probes run side by side, and it is up only when every one is
 * up (a node whose HTTP answers while its containers are unhealthy is not fine). Latency is
 * the HTTP probe's (its request on an established connection), else the TCP connect time. A target with nothing to probe is down: a
 * node that publishes no address cannot show it is alive.
 */
export async function probeTarget(
  target: TargetPlan | ProbeTarget,
  timeoutMs: number,
  { agents, kinds }: { agents?: ProbeAgents; kinds?: readonly ProbeKind[] } = {},
): Promise<ProbeResult> {
  const plan = 'http' in target ? target : planTarget(target, kinds);
  const probes: Array<[ProbeKind, Promise<ProbeResult>]> = [];
  if (plan.http !== null) probes.push(['http', probeHttp(plan.http, timeoutMs, { agents })]);
  if (plan.tcp !== null) probes.push(['tcp', probeTcp(plan.tcp.host, plan.tcp.port, timeoutMs)]);
  if (plan.status !== null) probes.push(['status', probeStatusAt(plan.status, timeoutMs, { agents })]);
  if (probes.length === 0) return NOTHING_TO_PROBE;
  if (probes.length === 1) {
    const [kind, pending] = probes[0]!;
    const result = await pending;
    return result.up ? result : { ...result, reason: `${kind}: ${result.reason}` };
  }
  const results = await Promise.all(probes.map(([, pending]) => pending));
  const reasons: string[] = [];
  const byKind: Partial<Record<ProbeKind, ProbeResult>> = {};
  results.forEach((result, i) => {
    const kind = probes[i]![0];
    byKind[kind] = result;
    if (!result.up) reasons.push(`${kind}: ${result.reason}`);
  });
  const up = reasons.length === 0;
  const measured = plan.http !== null ? byKind.http : byKind.tcp;
  return {
    up,
    latency_ms: measured?.latency_ms ?? null,
    ...(measured?.connect_ms !== undefined && { connect_ms: measured.connect_ms }),
    reason: up ? null : reasons.join('; '),
  };
}
