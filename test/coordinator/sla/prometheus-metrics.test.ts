import { expect, it } from 'vitest';
import { describeEachBackend } from '../../helpers/backends.ts';
import { collect, get, liveMinutes, registerAll, useApi } from '../api/support.ts';

// Issue 13: what /metrics says before and after the first collection. A figure not measured
// yet must be absent, every violation counter must start at 0, and the thresholds the engine
// judges by are gauges that follow the configuration.

const METRICS = ['uptime_pct', 'response_time_ms', 'completion_rate_pct', 'capacity_availability_pct'];

describeEachBackend('SLA metrics for Prometheus', (backend) => {
  const api = useApi(backend, (config) => {
    config.sla.thresholds.response_time_ms = 1500;
    config.sla.severities.uptime_pct = [
      { severity: 'critical', factor: 0.5 },
      { severity: 'high', factor: 1 },
    ];
  });

  async function metrics(): Promise<string> {
    const res = await get(api(), '/metrics');
    expect(res.statusCode).toBe(200);
    return res.body;
  }

  it('leaves capacity availability absent until a collection measures it, never 0', async () => {
    const before = await metrics();
    expect(before).toMatch(/^# TYPE vigil_sla_capacity_availability_pct gauge$/m);
    expect(before).not.toMatch(/^vigil_sla_capacity_availability_pct /m);

    await registerAll(api(), { node_id: 'n1', max_parallel: 4 });
    await liveMinutes(api(), 10, ['n1'], () => ({ busy_slots: 1, queue_length: 0 }));
    expect((await collect(api())).statusCode).toBe(200);
    expect(await metrics()).toMatch(/^vigil_sla_capacity_availability_pct 75$/m);
  });

  it('starts every violation counter and open-violation gauge at 0', async () => {
    const text = await metrics();
    for (const metric of METRICS) {
      for (const severity of ['critical', 'high']) {
        const labels = `\\{metric="${metric}",severity="${severity}"\\}`;
        expect(text).toMatch(new RegExp(`^vigil_sla_violations_total${labels} 0$`, 'm'));
        expect(text).toMatch(new RegExp(`^vigil_sla_open_violations${labels} 0$`, 'm'));
      }
    }
  });

  it('exports the configured severity bounds in the gauges’ units', async () => {
    const text = await metrics();
    const threshold = (metric: string, severity: string) =>
      text.match(
        new RegExp(`^vigil_sla_threshold\\{metric="${metric}",severity="${severity}"\\} (\\S+)$`, 'm'),
      )?.[1];
    expect(threshold('uptime_pct', 'critical')).toBe('47.5');
    expect(threshold('uptime_pct', 'high')).toBe('95');
    // Milliseconds in the configuration, seconds beside vigil_sla_response_time_seconds.
    expect(threshold('response_time_ms', 'critical')).toBe('3');
    expect(threshold('response_time_ms', 'high')).toBe('1.5');
    expect(threshold('completion_rate_pct', 'critical')).toBe('90');
    expect(threshold('completion_rate_pct', 'high')).toBeUndefined();
    expect(threshold('capacity_availability_pct', 'high')).toBe('80');
  });

  it('names no gauge like a counter and no unit by its abbreviation', async () => {
    const text = await metrics();
    expect(text).toMatch(/^# TYPE vigil_sla_response_time_seconds gauge$/m);
    expect(text).not.toMatch(/vigil_sla_response_time_ms/);
    expect(text).toMatch(/^# TYPE vigil_nodejs_active_handles gauge$/m);
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (name?.endsWith('_total')) expect(type, name).toBe('counter');
    }
  });
});
