import http from 'node:http';
import https from 'node:https';
import { createProbeAgents, type ProbeAgents, probeHttp } from '../../src/agent/probes/index.ts';
import { type LoopMeasured, type LoopOptions, runClosedLoop } from './probe-loop.ts';

/**
 * How the agent's probes reach targets. `keep-alive` is the agent's own pool
 * (createProbeAgents): one kept connection per target. `new-connection` gives probeHttp
 * agents that close every connection, which is what a 300 s probe interval meets in practice
 * (servers close idle connections long before: Node after 5 s) and what blackbox_exporter
 * does on every probe.
 */
export type VigilConnections = 'keep-alive' | 'new-connection';

function agentsFor(connections: VigilConnections): ProbeAgents & { close(): void } {
  if (connections === 'keep-alive') return createProbeAgents();
  const agents = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };
  return {
    ...agents,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** The Vigil side, in its own process: the agent's probeHttp in a closed loop; this process's CPU. */
export async function measureVigilProber(
  options: Omit<LoopOptions, 'proberPid'>,
  connections: VigilConnections,
  timeoutMs: number,
): Promise<LoopMeasured> {
  const agents = agentsFor(connections);
  try {
    return await runClosedLoop({ ...options, proberPid: 'self' }, async (url) => {
      const result = await probeHttp(url, timeoutMs, { agents });
      return { up: result.up, latencyMs: result.latency_ms, reason: result.reason };
    });
  } finally {
    agents.close();
  }
}
