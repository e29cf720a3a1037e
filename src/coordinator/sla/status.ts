import type { Db } from '../../store/capabilities.ts';
import { readStatusCounts, type SlaStatusCounts } from '../../store/repositories/sla-results.ts';

export type SlaHealth = 'healthy' | 'degraded' | 'critical';

export interface SlaStatus extends SlaStatusCounts {
  health: SlaHealth;
  /** Open violations, whatever their severity. */
  active: number;
}

/** Metrics this recent count as the status's recent ones. */
const RECENT_MS = 3_600_000;

/**
 * Overall SLA health at `at`: critical when any critical violation is open, degraded when
 * any other is, healthy otherwise; with the counts it was judged from.
 */
export async function readSlaStatus(db: Db, at: number): Promise<SlaStatus> {
  const counts = await readStatusCounts(db, at - RECENT_MS);
  const active = Object.values(counts.openBySeverity).reduce((a, b) => a + b, 0);
  return { ...counts, health: slaHealth(counts.openBySeverity), active };
}

/** Critical when any critical violation is open, degraded when any other is, healthy otherwise. */
export function slaHealth(openBySeverity: Readonly<Record<string, number>>): SlaHealth {
  const active = Object.values(openBySeverity).reduce((a, b) => a + b, 0);
  return (openBySeverity['critical'] ?? 0) > 0 ? 'critical' : active > 0 ? 'degraded' : 'healthy';
}
