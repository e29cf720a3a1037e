import { Counter, Gauge, type Registry } from 'prom-client';
import { WORKER_STATES } from '../../core/work/lifecycle.ts';
import type { Db } from '../../store/capabilities.ts';
import { countWorkersByState } from '../../store/repositories/workers.ts';

/**
 * `vigil_workers{state}`: enabled workers by their last reported state, counted from the store
 * when scraped, so every coordinator sharing a store reports the same figures and nothing
 * drifts between syncs. A failed count keeps the previous figures rather than failing the scrape.
 */
export function registerWorkerGauge(registry: Registry, db: Db): Gauge<'state'> {
  const existing = registry.getSingleMetric('vigil_workers');
  if (existing !== undefined) return existing as Gauge<'state'>;
  return new Gauge({
    name: 'vigil_workers',
    help: 'Enabled workers by their last reported state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      let counts: Awaited<ReturnType<typeof countWorkersByState>>;
      try {
        counts = await countWorkersByState(db);
      } catch {
        return;
      }
      for (const state of WORKER_STATES) this.set({ state }, 0);
      for (const { state, count } of counts) this.set({ state }, count);
    },
  });
}

/** `vigil_verifications_total{topic,verdict}`: verdicts recorded, `pass` or `fail`. */
export function registerVerificationCounter(registry: Registry): Counter<'topic' | 'verdict'> {
  const existing = registry.getSingleMetric('vigil_verifications_total');
  if (existing !== undefined) return existing as Counter<'topic' | 'verdict'>;
  return new Counter({
    name: 'vigil_verifications_total',
    help: 'Verdicts recorded on sampled jobs, by topic and verdict (pass, fail)',
    labelNames: ['topic', 'verdict'],
    registers: [registry],
  });
}
