import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UP_PROFILE } from '../../src/cli/commands/up.ts';
import { prometheusRulesYaml } from '../../src/coordinator/alerts/prometheus-rules-yaml.ts';
import { type Receiver, startReceiver } from '../coordinator/alerts/receiver.ts';
import { eventually } from '../helpers/eventually.ts';
import { type LiveCoordinator, startLiveCoordinator } from './coordinator.ts';
import { type RunningPrometheus, startPrometheus } from './real-prometheus.ts';
import { announceSkip, prometheusProblem } from './requirements.ts';

// Issue 13: under `vigil up` no generated rule ever fired, because the rules waited ten
// minutes and compressed-time violations last less. Here a real Prometheus 2.42 scrapes a
// real coordinator with a read key, loaded with the rules `vigil prometheus rules` generates
// from that coordinator's configuration, and a node whose heartbeats stop and resume makes an
// alert fire and then resolve, end to end (to an Alertmanager-shaped receiver too).
//
// The coordinator runs vigil up's profile with time compressed ten times further (1 s slices
// and collections, a 10 s uptime window), so the whole story takes well under a minute. Long
// for this suite, and bounded: every wait below has a deadline, the test two minutes.

const problem = prometheusProblem(['promtool', 'prometheus']);
announceSkip('Prometheus end-to-end alert test', problem);

const NODE = 'e2e-1';
/** Prometheus evaluates every second: asking it more often than four times a second tells nothing new. */
const POLL_MS = 250;
const SLA = {
  ...UP_PROFILE.sla,
  collection_interval_s: 1,
  slice_s: 1,
  uptime_window_s: 10,
  liveness_timeout_s: 2,
};

interface ActiveAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}
interface SentAlert {
  labels: Record<string, string>;
  endsAt: string;
}

describe.skipIf(problem.skip !== null)('a real Prometheus with the generated rules', () => {
  let coordinator: LiveCoordinator | undefined;
  let prometheus: RunningPrometheus | undefined;
  let receiver: Receiver | undefined;
  let heartbeats: NodeJS.Timeout | undefined;
  let beating = true;

  beforeAll(async () => {
    if (problem.fail !== null) throw new Error(problem.fail);
    coordinator = await startLiveCoordinator({ ...UP_PROFILE, port: 0, sla: SLA });
    receiver = await startReceiver();
    prometheus = await startPrometheus({
      target: new URL(coordinator.base).host,
      bearer: coordinator.readKey,
      rules: prometheusRulesYaml(coordinator.config.sla),
      alertmanager: new URL(receiver.url).host,
      intervalS: 1,
    });
  }, 60_000);

  afterAll(async () => {
    clearInterval(heartbeats);
    await prometheus?.stop();
    await receiver?.close();
    await coordinator?.close();
  });

  const uptimeAlerts = async () =>
    (await prometheus!.api<{ alerts: ActiveAlert[] }>('alerts')).alerts.filter(
      (a) => a.labels['alertname'] === 'LowNodeUptime' && a.labels['node_id'] === NODE,
    );

  it('sees LowNodeUptime fire when a node’s heartbeats stop, and resolve when they resume', async () => {
    const c = coordinator!;
    const seen = () => `prometheus said:\n${prometheus!.output()}`;
    await c.send('POST', '/nodes', { node_id: NODE, max_parallel: 2 });
    // The test is the node's worker: a heartbeat every 250 ms while it is "up".
    heartbeats = setInterval(() => {
      if (beating)
        void c.send('POST', `/nodes/${NODE}/heartbeat`, { busy_slots: 0, queue_length: 0 }).catch(() => {});
    }, 250);

    // Scraped with the read key: Prometheus sees the node at 100 % and no alert.
    await eventually(
      'Prometheus to scrape 100 % uptime',
      async () => {
        const data = await prometheus!.api<{ result: Array<{ value: [number, string] }> }>(
          `query?query=${encodeURIComponent(`vigil_sla_uptime_pct{node_id="${NODE}"}`)}`,
        );
        return data.result[0]?.value[1] === '100';
      },
      30_000,
      POLL_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${seen()}`);
    });
    expect(await uptimeAlerts()).toEqual([]);

    // The node goes silent: its uptime falls through the high band (one silent slice of ten
    // is 90 %) into the critical one (below 85.5 %), and the alert fires with the severity
    // Vigil gives the reading, the high one standing down once the critical one fires.
    beating = false;
    await eventually(
      'LowNodeUptime to fire as critical',
      async () => {
        const active = await uptimeAlerts();
        return active.some((a) => a.state === 'firing' && a.labels['severity'] === 'critical') && active;
      },
      30_000,
      POLL_MS,
    );
    await eventually(
      'the high LowNodeUptime alert to stand down',
      async () => (await uptimeAlerts()).every((a) => a.labels['severity'] === 'critical'),
      10_000,
      POLL_MS,
    );
    // Vigil itself has the same violation open, with the same severity.
    const open = (await c
      .send('GET', `/sla/violations?resolved=false&metric_type=uptime_pct&node_id=${NODE}`)
      .then((r) => r.json())) as Array<{ severity: string }>;
    expect(open.map((v) => v.severity)).toEqual(['critical']);

    // Back to life: once the silent slices leave the window the alert resolves.
    beating = true;
    await eventually(
      'LowNodeUptime to resolve',
      async () => (await uptimeAlerts()).length === 0,
      45_000,
      POLL_MS,
    );
    // And Prometheus told its Alertmanager so: the critical alert sent with an end in the past
    // (the high one was already sent so when the critical one took over).
    const resolved = await eventually(
      'a resolved LowNodeUptime notification',
      () =>
        receiver!.requests
          .filter((r) => r.path === '/api/v2/alerts')
          .flatMap((r) => JSON.parse(r.body) as SentAlert[])
          .find(
            (a) =>
              a.labels['alertname'] === 'LowNodeUptime' &&
              a.labels['node_id'] === NODE &&
              a.labels['severity'] === 'critical' &&
              Date.parse(a.endsAt) <= Date.now(),
          ),
      15_000,
      POLL_MS,
    );
    expect(resolved.labels['service']).toBe('vigil');
  }, 120_000);
});
