import { loadavg } from 'node:os';
import { processCpuMs } from './proc-cpu.ts';

/** One probe as a driver saw it. */
export interface ProbeOutcome {
  up: boolean;
  /** The prober's own measure of the probe, ms; null when it has none. */
  latencyMs: number | null;
  reason: string | null;
}

export interface LoopOptions {
  urls: readonly string[];
  /** Probes in flight at once. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** The process whose CPU is the prober's: this one, or the exporter the probes go through. */
  proberPid: number | 'self';
  /** Other processes whose CPU in the window is shown beside it, never counted. */
  otherPids?: Record<string, number | 'self'>;
}

/** What happened inside the measured window. */
export interface LoopMeasured {
  probes: number;
  up: number;
  /** Down probes by reason, the first few reasons. */
  reasons: Record<string, number>;
  windowMs: number;
  proberCpuMs: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  load1: number;
  /** CPU of `otherPids` in the window, by name. */
  otherCpuMs: Record<string, number>;
}

function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * A closed loop: `concurrency` lanes each probe the next target round-robin as soon as their
 * last probe is done, for a warm-up and then a measured window. Probes that end inside the
 * window are counted; the prober's CPU is read from /proc at the window's edges.
 */
export async function runClosedLoop(
  { urls, concurrency, warmupMs, durationMs, proberPid, otherPids = {} }: LoopOptions,
  probe: (url: string) => Promise<ProbeOutcome>,
): Promise<LoopMeasured> {
  let next = 0;
  let measuring = false;
  let stopping = false;
  let probes = 0;
  let up = 0;
  const reasons: Record<string, number> = {};
  const latencies: number[] = [];

  async function lane(): Promise<void> {
    while (!stopping) {
      const url = urls[next] as string;
      next = (next + 1) % urls.length;
      const outcome = await probe(url);
      if (!measuring) continue;
      probes++;
      if (outcome.up) up++;
      else {
        const reason = outcome.reason ?? 'down';
        if (reason in reasons || Object.keys(reasons).length < 8)
          reasons[reason] = (reasons[reason] ?? 0) + 1;
      }
      if (outcome.latencyMs !== null) latencies.push(outcome.latencyMs);
    }
  }

  const lanes = Array.from({ length: concurrency }, () => lane());
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const load1 = loadavg()[0] as number;
  const cpuStart = processCpuMs(proberPid);
  const othersStart = Object.entries(otherPids).map(([name, pid]) => [name, pid, processCpuMs(pid)] as const);
  const started = performance.now();
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  measuring = false;
  const windowMs = performance.now() - started;
  const proberCpuMs = processCpuMs(proberPid) - cpuStart;
  const otherCpuMs = Object.fromEntries(
    othersStart.map(([name, pid, start]) => [name, processCpuMs(pid) - start]),
  );
  stopping = true;
  await Promise.all(lanes);
  const sorted = Float64Array.from(latencies).sort();
  return {
    probes,
    up,
    reasons,
    windowMs,
    proberCpuMs,
    latencyP50Ms: percentile(sorted, 50),
    latencyP99Ms: percentile(sorted, 99),
    load1,
    otherCpuMs,
  };
}
