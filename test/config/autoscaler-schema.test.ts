import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/index.ts';

const target = (over: Record<string, unknown> = {}) => ({
  name: 'hash-pool',
  topic: 'hash',
  deployer: { kind: 'process' },
  policies: [{ kind: 'backlog' }],
  ...over,
});

function problems(autoscaler: unknown): string[] {
  const parsed = configSchema.safeParse({ autoscaler });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('autoscaler configuration', () => {
  it('fills a target’s defaults: behaviour, bounds, drain limit', () => {
    const parsed = configSchema.parse({ autoscaler: { enabled: true, targets: [target()] } });
    expect(parsed.autoscaler.targets[0]).toMatchObject({
      min_replicas: 0,
      max_replicas: 10,
      paused: false,
      concurrency: 1,
      deployer: { kind: 'process', state_dir: './data/autoscaler', env: {} },
      policies: [{ kind: 'backlog', headroom: 0.1, startup_s: 10 }],
      scale_up: { max_step: 4, max_step_pct: 100, period_s: 15, stabilization_s: 0 },
      scale_down: { max_step: 0, max_step_pct: 100, period_s: 15, stabilization_s: 300 },
      cooldown_s: 0,
      drain_timeout_ms: 30_000,
    });
  });

  it('refuses min above max, an unknown deployer, and two targets of one name', () => {
    expect(problems({ targets: [target({ min_replicas: 5, max_replicas: 2 })] })).toEqual([
      'autoscaler.targets.0.min_replicas: expected at most max_replicas (2)',
    ]);
    expect(problems({ targets: [target({ deployer: { kind: 'nomad' } })] })[0]).toMatch(
      /^autoscaler\.targets\.0\.deployer\.kind: /,
    );
    expect(problems({ targets: [target(), target()] })).toEqual([
      'autoscaler.targets.1.name: target hash-pool is declared twice',
    ]);
  });

  it('refuses a policy that reads what the target does not have', () => {
    expect(problems({ targets: [target({ topic: undefined })] })).toEqual([
      'autoscaler.targets.0.policies.0.kind: the backlog policy reads a topic: give the target a topic',
    ]);
    expect(
      problems({
        targets: [target({ policies: [{ kind: 'target', metric: 'pending', target: 10 }] })],
      }),
    ).toEqual(['autoscaler.targets.0.policies.0.metric: no source named pending (sources: none)']);
    expect(
      problems({
        targets: [target({ policies: [{ kind: 'watermark', high: 5, low: 10 }] })],
      }),
    ).toEqual(['autoscaler.targets.0.policies.0.low: expected below high (5)']);
    // A named source makes the same policy good.
    expect(
      problems({
        targets: [
          target({
            sources: [{ name: 'pending', kind: 'redis', url: 'redis://127.0.0.1:6379', key: 'bots:pending' }],
            policies: [{ kind: 'target', metric: 'pending', target: 10 }],
          }),
        ],
      }),
    ).toEqual([]);
  });

  it('fills a forecast policy’s defaults and refuses one without a topic or with a utilization above 1', () => {
    const parsed = configSchema.parse({
      autoscaler: { targets: [target({ policies: [{ kind: 'backlog' }, { kind: 'forecast' }] })] },
    });
    expect(parsed.autoscaler.targets[0]?.policies[1]).toEqual({
      kind: 'forecast',
      level: 'upper80',
      lead_s: 10,
      target_utilization: 0.8,
    });
    expect(problems({ targets: [target({ topic: undefined, policies: [{ kind: 'forecast' }] })] })).toEqual([
      'autoscaler.targets.0.policies.0.kind: the forecast policy reads a topic’s demand forecast: give the target a topic',
    ]);
    expect(
      problems({ targets: [target({ policies: [{ kind: 'forecast', target_utilization: 1.2 }] })] })[0],
    ).toMatch(/^autoscaler\.targets\.0\.policies\.0\.target_utilization: /);
    expect(problems({ targets: [target({ policies: [{ kind: 'forecast', level: 'median' }] })] })[0]).toMatch(
      /^autoscaler\.targets\.0\.policies\.0\.level: /,
    );
  });

  it('needs a WebSocket or an HTTP endpoint for block ticks', () => {
    expect(problems({ targets: [target({ block_ticks: {} })] })[0]).toMatch(/expected ws_url or http_url/);
    expect(problems({ targets: [target({ block_ticks: { ws_url: 'ws://127.0.0.1:8545' } })] })).toEqual([]);
  });
});
