import { afterEach, expect, it } from 'vitest';
import { defaultConfig } from '../../../src/config/schema.ts';
import {
  type CapacityAlertOutcome,
  createCapacityAlertEvaluation,
  type ForecastCrossingProvider,
} from '../../../src/coordinator/capacity/alert-evaluation.ts';
import type { ForecastCrossing } from '../../../src/core/capacity/alerts.ts';
import { computeCapacity } from '../../../src/core/sla/capacity.ts';
import {
  listCapacityAlerts,
  writeCapacityAlertSettings,
} from '../../../src/store/repositories/capacity-alerts.ts';
import type { Store } from '../../../src/store/store.ts';
import { describeEachBackend } from '../../helpers/backends.ts';

const T0 = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;

/** A fleet of one node with 10 slots, `busy` of them busy, live at T0. */
const fleet = (busy: number) =>
  computeCapacity([{ max_parallel: 10, last_heartbeat_at: T0, busy_slots: busy, queue_length: 0 }], T0);

describeEachBackend('capacity alert evaluation', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function evaluation(forecastCrossing?: ForecastCrossingProvider) {
    store = await backend.open();
    const warnings: string[] = [];
    const quiet = () => {};
    const s = store;
    const evaluate = createCapacityAlertEvaluation({
      db: s.db,
      settings: { configThresholdPct: 80, smtp: defaultConfig().alerts.smtp },
      delivery: { alerts: defaultConfig().alerts, mail: null, collectionIntervalMs: 300_000 },
      log: {
        debug: quiet,
        info: quiet,
        error: quiet,
        warn: (_: object, msg: string) => void warnings.push(msg),
      },
      forecastCrossing,
      forecastTimeoutMs: 50,
    });
    const run = async (busy: number, at: number): Promise<CapacityAlertOutcome> => {
      const write = await evaluate.prepare(fleet(busy), at);
      return s.transaction(write);
    };
    return { store: s, run, warnings };
  }

  const kinds = (o: CapacityAlertOutcome) =>
    o.transitions.map((t) => `${t.kind} ${t.kind === 'fired' ? t.alert : t.alert.kind}`);

  it('asks the forecast at the threshold in effect and keeps its alert open while the forecast fails or is slow', async () => {
    let answer: () => Promise<ForecastCrossing | null> = async () => ({ at: T0 + 5 * HOUR, pct: 91 });
    const asked: number[] = [];
    const {
      store: s,
      run,
      warnings,
    } = await evaluation(async (threshold) => {
      asked.push(threshold);
      return answer();
    });
    await writeCapacityAlertSettings(s.db, {
      threshold_pct: 65,
      notification_email: null,
      webhooks: '[]',
      updated_at: T0,
      updated_by: null,
    });

    expect(kinds(await run(5, T0))).toEqual(['fired capacity_forecast_breach']);
    expect(asked).toEqual([65]);

    answer = async () => {
      throw new Error('forecast store unreachable');
    };
    expect(kinds(await run(5, T0 + HOUR))).toEqual(['continued capacity_forecast_breach']);
    answer = () => new Promise(() => {});
    expect(kinds(await run(5, T0 + 2 * HOUR))).toEqual(['continued capacity_forecast_breach']);
    expect(warnings).toEqual([
      'capacity forecast failed; forecast alerts stay as they are',
      'capacity forecast failed; forecast alerts stay as they are',
    ]);

    answer = async () => null;
    const resolved = await run(5, T0 + 3 * HOUR);
    expect(resolved.events).toMatchObject([
      {
        kind: 'capacity_alert_resolved',
        alert: 'capacity_forecast_breach',
        threshold_pct: 65,
        duration_ms: 3 * HOUR,
      },
    ]);
    expect(await listCapacityAlerts(s.db, { open: true, limit: 10 })).toEqual([]);
  });

  it('fires the utilisation alert once while busy, resolves it below the hysteresis band, and fires again after', async () => {
    const { store: s, run } = await evaluation();
    expect(kinds(await run(8, T0))).toEqual(['fired capacity_utilization_high']);
    expect(kinds(await run(9, T0 + HOUR))).toEqual(['continued capacity_utilization_high']);
    expect(kinds(await run(7.9, T0 + 2 * HOUR))).toEqual(['continued capacity_utilization_high']);
    expect(kinds(await run(7, T0 + 3 * HOUR))).toEqual(['resolved capacity_utilization_high']);
    expect(kinds(await run(8, T0 + 4 * HOUR))).toEqual(['fired capacity_utilization_high']);
    const all = await listCapacityAlerts(s.db, { open: false, limit: 10 });
    expect(all.map((a) => [a.resolved_at === null, a.worst_pct])).toEqual([
      [true, 80],
      [false, 90],
    ]);
  });
});
