import type { VigilConfig } from '../../config/schema.ts';
import { type EpochSchedule, epochSchedule } from '../../core/monitoring/epochs.ts';

/** The network's epoch layout from `epochs.*`. */
export function scheduleFromConfig(epochs: VigilConfig['epochs']): EpochSchedule {
  return epochSchedule({
    genesis_ms: Date.parse(epochs.genesis),
    first_epoch: epochs.first_epoch,
    length_ms: epochs.length_s * 1000,
    report_window_ms: epochs.report_window_s * 1000,
  });
}

/**
 * How often the coordinator looks at the epoch clock: a tenth of an epoch, between 250 ms
 * and 5 s, so members are taken and settlements written within seconds of when they fall due.
 */
export function tickIntervalMs(epochs: VigilConfig['epochs']): number {
  return Math.min(5_000, Math.max(250, Math.floor((epochs.length_s * 1000) / 10)));
}
