import { Counter, type Registry } from 'prom-client';

/** What the coordinator took in from nodes: heartbeats and job outcomes. */
export function createIngestMetrics(registry: Registry) {
  return {
    heartbeats: new Counter({
      name: 'vigil_heartbeats_total',
      help: 'Heartbeats received, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    outcomes: new Counter({
      name: 'vigil_outcomes_total',
      help: 'Job outcomes received, by result (accepted, duplicate)',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
