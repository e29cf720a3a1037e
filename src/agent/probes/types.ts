import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/** What one probe found: up or down, how long it took, and why it failed. */
export interface ProbeResult {
  up: boolean;
  /**
   * Milliseconds as a float (performance.now()); null when nothing answered. For HTTP, the
   * request on an established connection, without the connection's set-up (docs/agent.md,
   * "What one probe measures"); for TCP, the connect itself.
   */
  latency_ms: number | null;
  /**
   * Milliseconds spent setting up a new connection before the measured request; null when a
   * kept-alive one was reused, absent when the probe made none of its own (TCP). Local only:
   * not part of a report.
   */
  connect_ms?: number | null;
  /** Why the probe is down ("http: HTTP 500", "timeout after 5000 ms"); null when up. */
  reason: string | null;
}

/**
 * Connection pools probes reuse. Keeping connections alive is what makes the hot path cheap
 * (see probes/http-get.ts); passing them in lets each agent close its own.
 */
export interface ProbeAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/** The kinds of probe a target gets: HTTP on its endpoint, TCP connect to it, its agent's /status. */
export type ProbeKind = 'http' | 'tcp' | 'status';

export const ALL_PROBE_KINDS: readonly ProbeKind[] = ['http', 'tcp', 'status'];

/** Where a target can be probed, as the epoch's assignment lists it. */
export interface ProbeTarget {
  node_id: string;
  endpoint: string | null;
  agent_url: string | null;
}
