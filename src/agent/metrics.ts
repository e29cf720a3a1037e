import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { collectProcessMetrics } from '../platform/process-metrics.ts';

export type ProbeOutcome = 'up' | 'down' | 'discarded';

/** Where the newest epoch report stands: not built yet, waiting for the coordinator, accepted, refused. */
export type ReportStatus = 'none' | 'pending' | 'accepted' | 'failed';
const REPORT_STATUSES: readonly ReportStatus[] = ['none', 'pending', 'accepted', 'failed'];

/**
 * The agent's Prometheus metrics on a registry of its own, so many agents can run in one
 * process. Process metrics (CPU, memory, event loop) only when asked: one set per process.
 */
export function createAgentMetrics({
  registry = new Registry(),
  defaultMetrics = false,
  outboxDepth,
}: {
  registry?: Registry;
  defaultMetrics?: boolean;
  /** Read at scrape time. */
  outboxDepth: () => number;
}) {
  if (defaultMetrics) collectProcessMetrics(registry, 'vigil_agent_');
  const probes = new Counter({
    name: 'vigil_agent_probes_total',
    help: 'Target samples by result: up, down, or discarded because no reference target answered',
    labelNames: ['result'],
    registers: [registry],
  });
  for (const result of ['up', 'down', 'discarded'] as const) probes.inc({ result }, 0);
  const lastReport = new Gauge({
    name: 'vigil_agent_last_report_status',
    help: 'Status of the newest epoch report: 1 for the current status, 0 for the others',
    labelNames: ['status'],
    registers: [registry],
  });
  const lastReportEpoch = new Gauge({
    name: 'vigil_agent_last_report_epoch',
    help: 'Epoch of the newest report built (-1 before the first)',
    registers: [registry],
  });
  lastReportEpoch.set(-1);
  const m = {
    registry,
    probes,
    probeDuration: new Histogram({
      name: 'vigil_agent_probe_duration_seconds',
      help: 'Time to take one target sample (all its probes), discarded ones included',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    outboxDepth: new Gauge({
      name: 'vigil_agent_outbox_depth',
      help: 'Reports and interim summaries waiting to be delivered',
      registers: [registry],
      collect() {
        this.set(outboxDepth());
      },
    }),
    epoch: new Gauge({
      name: 'vigil_agent_epoch',
      help: 'The coordinator’s current epoch as the agent last saw it (-1 before the first answer)',
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'vigil_agent_probes_skipped_total',
      help: 'Probe slots skipped because the target’s previous probe was still running',
      registers: [registry],
    }),
    setLastReport(epoch: number, status: ReportStatus): void {
      lastReportEpoch.set(epoch);
      for (const s of REPORT_STATUSES) lastReport.set({ status: s }, s === status ? 1 : 0);
    },
  };
  m.epoch.set(-1);
  for (const s of REPORT_STATUSES) lastReport.set({ status: s }, s === 'none' ? 1 : 0);
  return m;
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
