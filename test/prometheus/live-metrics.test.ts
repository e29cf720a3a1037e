import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentMetrics } from '../../src/agent/metrics.ts';
import { createWorkerMetrics } from '../../src/worker/metrics.ts';
import { eventually } from '../helpers/eventually.ts';
import { type LiveCoordinator, startLiveCoordinator } from './coordinator.ts';
import { announceSkip, prometheusProblem } from './requirements.ts';

// Issue 13: `promtool check metrics` exited 3 on a coordinator's /metrics (gauges named like
// counters, a unit abbreviated). It reads what a real coordinator serves over HTTP to its
// read key, after a collection has produced every SLA series, and the agent's and worker's
// own expositions.

const problem = prometheusProblem(['promtool']);
announceSkip('promtool check metrics', problem);

function checkMetrics(exposition: string) {
  return spawnSync('promtool', ['check', 'metrics'], {
    input: exposition,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe.skipIf(problem.skip !== null)('promtool check metrics', () => {
  let coordinator: LiveCoordinator | undefined;
  beforeAll(() => {
    if (problem.fail !== null) throw new Error(problem.fail);
  });
  afterAll(async () => {
    await coordinator?.close();
  });

  it('accepts a live coordinator’s /metrics with every SLA series present', async () => {
    coordinator = await startLiveCoordinator({ sla: { slice_s: 1, liveness_timeout_s: 5 } });
    const { send, base, readKey } = coordinator;
    await send('POST', '/nodes', { node_id: 'lint-1', max_parallel: 2 });
    await send('POST', '/nodes/lint-1/heartbeat', { busy_slots: 1, queue_length: 0 });
    const now = Date.now();
    await send('POST', '/outcomes', [
      {
        job_id: 'a',
        node_id: 'lint-1',
        topic: 't',
        status: 'success',
        started_at: now - 1500,
        finished_at: now,
      },
      {
        job_id: 'b',
        node_id: 'lint-1',
        topic: 't',
        status: 'failure',
        started_at: now - 300,
        finished_at: now,
      },
    ]);
    // Heartbeats are written in group commits: collect until the node's uptime is measured.
    const text = await eventually(
      'every SLA series',
      async () => {
        await send('POST', '/sla/metrics/collect');
        const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${readKey}` } });
        const body = await res.text();
        return /^vigil_sla_uptime_pct\{/m.test(body) && body;
      },
      10_000,
      100,
    );
    // The series the linter must see, or it would pass for want of them.
    for (const name of [
      'vigil_sla_uptime_pct',
      'vigil_sla_response_time_seconds',
      'vigil_sla_completion_rate_pct',
      'vigil_sla_capacity_availability_pct',
      'vigil_sla_threshold',
      'vigil_nodejs_active_handles',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    }
    const result = checkMetrics(text);
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  });

  it('accepts the agent’s and the worker’s expositions with process metrics', async () => {
    const agent = createAgentMetrics({ defaultMetrics: true, outboxDepth: () => 0 });
    const worker = createWorkerMetrics({ defaultMetrics: true, outboxDepth: () => 0 });
    for (const registry of [agent.registry, worker.registry]) {
      const result = checkMetrics(await registry.metrics());
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    }
  });
});
