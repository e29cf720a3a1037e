import { performance } from 'node:perf_hooks';
import type { Logger } from '../platform/log.ts';
import type { SampleWriter } from './log/sample-writer.ts';
import type { AgentMetrics } from './metrics.ts';
import type { ReferenceGate } from './probes/reference.ts';
import { probeTarget, type TargetPlan } from './probes/target.ts';
import type { ProbeAgents } from './probes/types.ts';

export interface ProbeRecorder {
  /**
   * Probes one target and logs the sample; a failed probe is discarded instead while no
   * reference target answers (the prober, not the target, is then cut off).
   */
  probe(epoch: number, plan: TargetPlan, at_ms: number, timeoutMs: number): Promise<void>;
}

/** Probes, counts and logs samples; says when a target goes up or down, not every probe. */
export function createProbeRecorder({
  agents,
  gate,
  metrics,
  writer,
  log,
  isClosed,
}: {
  agents: ProbeAgents;
  gate: ReferenceGate;
  metrics: AgentMetrics;
  writer: SampleWriter;
  log: Logger;
  /** True once the agent is closing: connections were cut under the probes then in flight. */
  isClosed: () => boolean;
}): ProbeRecorder {
  /** Per target, whether the last counted sample was up. */
  const lastUp = new Map<string, boolean>();
  const counted = {
    up: metrics.probes.labels({ result: 'up' }),
    down: metrics.probes.labels({ result: 'down' }),
    discarded: metrics.probes.labels({ result: 'discarded' }),
  };

  function noteTransition(target: string, up: boolean, reason: string | null): void {
    if (lastUp.get(target) === up) return;
    if (up) log.info({ target }, 'target up');
    else log.info({ target, reason }, 'target down');
    lastUp.set(target, up);
  }

  return {
    async probe(epoch, plan, at_ms, timeoutMs) {
      const started = performance.now();
      const result = await probeTarget(plan, timeoutMs, { agents });
      const healthy = result.up || (await gate.healthy());
      if (isClosed()) return;
      metrics.probeDuration.observe((performance.now() - started) / 1000);
      const target = plan.node_id;
      if (!healthy) {
        counted.discarded.inc();
        log.debug({ epoch, target, reason: result.reason }, 'sample discarded');
        return;
      }
      (result.up ? counted.up : counted.down).inc();
      noteTransition(target, result.up, result.reason);
      writer.add({ epoch, target, at_ms, up: result.up, latency_ms: result.latency_ms });
    },
  };
}
