import { httpGet } from './http-get.ts';
import type { ProbeAgents } from './types.ts';

/** How long one answer about the prober's own health stands: a burst of failures costs one check. */
export const DEFAULT_REFERENCE_CACHE_MS = 5_000;

export interface ReferenceGateOptions {
  /** URLs that should always answer; an empty list means "always healthy" (nothing to compare). */
  urls: readonly string[];
  timeoutMs: number;
  cacheMs?: number;
  agents?: ProbeAgents;
  now?: () => number;
  /** Told when the answer changes, so the agent logs the transition once rather than every discard. */
  onChange?: (healthy: boolean, detail: string) => void;
}

export interface ReferenceGate {
  /**
   * Whether the prober itself can reach the network: true when any reference target
   * answers at all (any HTTP status shows the path works). Cached for `cacheMs`; callers
   * arriving while a check runs share it.
   */
  healthy(): Promise<boolean>;
}

/**
 * The guard that keeps a prober's own outage from being written down as its targets'
 * downtime (DESIGN.md, Probes): a failed probe only counts when a reference answers.
 */
export function createReferenceGate({
  urls,
  timeoutMs,
  cacheMs = DEFAULT_REFERENCE_CACHE_MS,
  agents,
  now = Date.now,
  onChange,
}: ReferenceGateOptions): ReferenceGate {
  let cached: { healthy: boolean; at_ms: number } | null = null;
  let running: Promise<boolean> | null = null;

  async function check(): Promise<boolean> {
    const answers = await Promise.all(urls.map((url) => httpGet(url, timeoutMs, { agents })));
    const healthy = answers.some((answer) => answer.ok);
    const previous = cached?.healthy;
    cached = { healthy, at_ms: now() };
    if (previous !== healthy && (previous !== undefined || !healthy)) {
      const detail = answers
        .map((answer, i) => `${urls[i]}: ${answer.ok ? `HTTP ${answer.status}` : answer.reason}`)
        .join('; ');
      onChange?.(healthy, detail);
    }
    return healthy;
  }

  return {
    healthy() {
      if (urls.length === 0) return Promise.resolve(true);
      if (cached !== null && now() - cached.at_ms < cacheMs) return Promise.resolve(cached.healthy);
      running ??= check().finally(() => {
        running = null;
      });
      return running;
    },
  };
}
