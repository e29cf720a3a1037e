import { afterEach, describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/agent/limiter.ts';
import { createProbeAgents, probeTarget } from '../../src/agent/probes/index.ts';
import { createProbeScheduler, phaseOf } from '../../src/agent/scheduler.ts';
import { type LocalServer, serve, sleep } from '../helpers/http.ts';

const targets = (n: number, endpoint: string | null = null) =>
  Array.from({ length: n }, (_, i) => ({
    node_id: `t${String(i).padStart(3, '0')}`,
    endpoint,
    agent_url: null,
  }));

describe('probe scheduler', () => {
  const servers: LocalServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('gives targets stable phases spread evenly over the interval', () => {
    expect(phaseOf('monitor-a', 'x')).toBe(phaseOf('monitor-a', 'x'));
    expect(phaseOf('monitor-a', 'x')).not.toBe(phaseOf('monitor-b', 'x'));
    const deciles = new Array(10).fill(0);
    for (let i = 0; i < 2000; i++) deciles[Math.floor(phaseOf('m', `node-${i}`) * 10)]++;
    // 200 expected per decile; ±60 is more than four standard deviations.
    for (const count of deciles) expect(Math.abs(count - 200)).toBeLessThan(60);
  });

  it('probes each target once per slot, never before its slot, only inside the epoch', async () => {
    const intervalMs = 200;
    const start_ms = Date.now();
    const span = { epoch: 3, start_ms, end_ms: start_ms + 5 * intervalMs };
    const seen: Array<{ id: string; at: number }> = [];
    const scheduler = createProbeScheduler({
      span,
      intervalMs,
      jitterFraction: 0,
      phaseSalt: 'me',
      limiter: createLimiter(8),
      probe: async (plan, at) => {
        seen.push({ id: plan.node_id, at });
      },
    });
    scheduler.setTargets(targets(12));
    await sleep(span.end_ms - Date.now() + 50);
    await scheduler.drain();

    for (const { node_id } of targets(12)) {
      const ats = seen.filter((s) => s.id === node_id).map((s) => s.at);
      const phase = phaseOf('me', node_id) * intervalMs;
      expect(ats.length).toBeGreaterThan(0);
      expect(ats.length).toBeLessThanOrEqual(5);
      ats.forEach((at, i) => {
        expect(at).toBeGreaterThanOrEqual(span.start_ms);
        expect(at).toBeLessThan(span.end_ms);
        if (i > 0) {
          // The next probe never comes before the next slot of this target's phase.
          const slot = Math.ceil((ats[i - 1]! + 1 - span.start_ms - phase) / intervalMs);
          expect(at).toBeGreaterThanOrEqual(Math.floor(span.start_ms + phase + slot * intervalMs));
        }
      });
    }
  });

  it('keeps probes in flight within the concurrency bound (counted by the server)', async () => {
    let inFlight = 0;
    let most = 0;
    let served = 0;
    const server = await serve(async (_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await sleep(60);
      inFlight--;
      served++;
      res.end('ok');
    });
    servers.push(server);
    const agents = createProbeAgents();
    const start_ms = Date.now();
    const scheduler = createProbeScheduler({
      span: { epoch: 1, start_ms, end_ms: start_ms + 60_000 },
      intervalMs: 20, // every target falls due within 20 ms of the others
      jitterFraction: 0,
      phaseSalt: 'me',
      limiter: createLimiter(4),
      probe: async (plan) => {
        await probeTarget(plan, 5000, { agents });
      },
      kinds: ['http'],
    });
    scheduler.setTargets(targets(30, server.url));
    while (served < 30) await sleep(20);
    await scheduler.drain();
    agents.close();
    expect(most).toBe(4);
  });

  it('skips a slot while the target’s previous probe still runs, and follows target changes', async () => {
    const skipped: string[] = [];
    const probed = new Map<string, string | null>();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const start_ms = Date.now();
    const scheduler = createProbeScheduler({
      span: { epoch: 1, start_ms, end_ms: start_ms + 60_000 },
      intervalMs: 10,
      jitterFraction: 0.5,
      phaseSalt: 'me',
      limiter: createLimiter(2),
      probe: async (plan) => {
        probed.set(plan.node_id, plan.http?.href ?? null);
        if (plan.node_id === 'slow') await blocked;
      },
      onSkipped: (id) => skipped.push(id),
    });
    scheduler.setTargets([
      { node_id: 'slow', endpoint: null, agent_url: null },
      { node_id: 'moving', endpoint: 'http://127.0.0.1:1/', agent_url: null },
    ]);
    while (!skipped.includes('slow') || !probed.has('moving')) await sleep(10);
    scheduler.setTargets([{ node_id: 'moving', endpoint: 'http://127.0.0.1:2/', agent_url: null }]);
    expect(scheduler.targets).toEqual(['moving']);
    while (probed.get('moving') !== 'http://127.0.0.1:2/') await sleep(10);
    release();
    await scheduler.drain();
    expect(skipped.filter((id) => id === 'moving').length).toBe(0);
  });
});
