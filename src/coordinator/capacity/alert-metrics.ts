import { Gauge, type Registry } from 'prom-client';
import { CAPACITY_ALERT_KINDS, type CapacityAlertKind } from '../../core/capacity/alerts.ts';
import type { Db } from '../../store/capabilities.ts';
import { readOpenCapacityAlerts } from '../../store/repositories/capacity-alerts.ts';
import { CAPACITY_SEVERITY } from './alert-messages.ts';

const KINDS: readonly CapacityAlertKind[] = CAPACITY_ALERT_KINDS;

/**
 * `vigil_capacity_alerts_open{alert,severity}`: the capacity alerts open now (0 or 1 of each
 * kind), read from the store at each scrape, so a Prometheus that missed the webhook still
 * sees them, and every kind reads 0 rather than absent while none is open. A failed read
 * keeps the previous figures.
 */
export function registerCapacityAlertMetrics(registry: Registry, db: Db): void {
  new Gauge({
    name: 'vigil_capacity_alerts_open',
    help: 'Capacity alerts open now, by alert and severity (docs/capacity.md)',
    labelNames: ['alert', 'severity'],
    registers: [registry],
    async collect() {
      const open = await readOpenCapacityAlerts(db).catch(() => null);
      if (open === null) return;
      for (const kind of KINDS) {
        this.set(
          { alert: kind, severity: CAPACITY_SEVERITY[kind] },
          open.filter((a) => a.kind === kind).length,
        );
      }
    },
  });
}
