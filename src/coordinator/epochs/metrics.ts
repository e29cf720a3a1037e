import { Counter, Gauge, type Registry } from 'prom-client';

/** Epochs, reports, interim summaries and settlements, as Prometheus sees them. */
export function createEpochMetrics(registry: Registry) {
  return {
    epochCurrent: new Gauge({
      name: 'vigil_epoch_current',
      help: 'The epoch in progress on the coordinator’s clock (absent before genesis)',
      registers: [registry],
    }),
    epochReports: new Counter({
      name: 'vigil_epoch_reports_total',
      help: 'Signed epoch reports submitted, by result (accepted, duplicate, refused)',
      labelNames: ['result'],
      registers: [registry],
    }),
    epochReportsAccepted: new Gauge({
      name: 'vigil_epoch_reports_accepted',
      help: 'Reports stored for an epoch, for the epochs in their report window and the last settled one',
      labelNames: ['epoch'],
      registers: [registry],
    }),
    settlements: new Counter({
      name: 'vigil_epoch_settlements_total',
      help: 'Epoch settlements written and signed',
      registers: [registry],
    }),
    lastSettledEpoch: new Gauge({
      name: 'vigil_epoch_last_settled',
      help: 'The latest epoch this coordinator settled',
      registers: [registry],
    }),
    interimProbes: new Counter({
      name: 'vigil_interim_probes_total',
      help: 'Peer probe verdicts received in interim summaries',
      registers: [registry],
    }),
  };
}

export type EpochMetrics = ReturnType<typeof createEpochMetrics>;
