import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  call,
  childrenOf,
  eventually,
  freePort,
  killAll,
  lines,
  portOpen,
  processExists,
  runVigil,
  simulatorsFor,
  tempDir,
  VigilProcess,
} from './support.ts';

interface NodeList {
  nodes: Array<{ node_id: string; status: { live: boolean; last_heartbeat_at: string | null } }>;
}

const cleanups: Array<() => void> = [];

/** Starts `vigil up` with six nodes on a free port and waits for the banner and the simulator child. */
async function startUp({ group = false, env = {} }: { group?: boolean; env?: Record<string, string> } = {}) {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  const port = await freePort();
  const up = new VigilProcess(
    ['up', '--port', String(port), '--nodes', '6', '--database-url', join(dir.dir, 'up.db')],
    { env: { VIGIL_SLA__COLLECTION_INTERVAL_S: '2', ...env }, group },
  );
  const { api, adminKey, readKey } = await up.waitFor(({ stdout }) => {
    const api = /^\s*API\s+(http:\/\/\S+)/m.exec(stdout)?.[1];
    const adminKey = /^\s*Admin key\s+(vgl_[A-Za-z0-9_-]{43})\s*$/m.exec(stdout)?.[1];
    const readKey = /^\s*Read key\s+(vgl_[A-Za-z0-9_-]{43})\s*$/m.exec(stdout)?.[1];
    return api !== undefined && adminKey !== undefined && readKey !== undefined
      ? { api, adminKey, readKey }
      : undefined;
  }, 20_000);
  // The fleet runs in a child process of its own.
  const simulator = await eventually('the simulator child process', async () =>
    childrenOf(up.pid).find((c) => /vigil\.js simulate/.test(c.args)),
  );
  // Should the process under test leave its child behind, do not leave it running.
  cleanups.push(() => {
    if (processExists(simulator.pid)) process.kill(simulator.pid, 'SIGKILL');
  });
  return { up, port, api, adminKey, readKey, simulator, dir: dir.dir };
}

/** Nothing of a stopped `vigil up` is left: no simulator, nothing on its port. */
async function expectAllGone(port: number, simulatorPid: number): Promise<void> {
  expect(processExists(simulatorPid)).toBe(false);
  expect(simulatorsFor(port)).toEqual([]);
  expect(await portOpen(port)).toBe(false);
}

describe('vigil up', () => {
  afterEach(async () => {
    await killAll();
    for (const c of cleanups.splice(0)) c();
  });

  it('runs a coordinator and a simulated fleet, prints the API and an admin key, and stops on SIGINT', async () => {
    const { up, port, api, adminKey, readKey, simulator, dir } = await startUp();
    expect(api).toBe(`http://127.0.0.1:${port}`);
    expect(up.stdout).toContain(`${api}/metrics`);
    // The dashboard, and a one-time link that signs a browser in without copying a key.
    expect(up.stdout).toMatch(new RegExp(`Dashboard\\s+${api}/\\s*$`, 'm'));
    const signIn = new RegExp(`Sign in\\s+(${api}/auth/sign-in\\?token=[A-Za-z0-9_-]+)`).exec(up.stdout)?.[1];
    expect(signIn).toBeDefined();
    const link = await fetch(signIn!);
    expect(link.status).toBe(200);
    expect(link.headers.get('set-cookie')).toMatch(/^vigil_session=/);
    expect((await fetch(`${api}/`)).headers.get('content-type')).toMatch(/^text\/html/);
    expect(up.stdout).toMatch(/6 simulated nodes/);
    expect(up.stdout).toMatch(/a collection every 2 s/);
    expect(simulator.args).toContain(`127.0.0.1:${port}`);
    expect(simulator.args).not.toContain('vgl_'); // its key goes in the environment, not on `ps`
    // Reads need the read key it printed, as on any coordinator.
    expect((await call(api, 'GET', '/nodes')).status).toBe(401);
    // GET /config knows what came from vigil up's profile, from the environment, from a flag.
    const { settings } = (await call(api, 'GET', '/config', { key: adminKey })).body as {
      settings: Array<{ key: string; source: string; origin: string }>;
    };
    const origin = (key: string) => settings.find((s) => s.key === key)?.origin;
    expect(origin('sla.slice_s')).toBe('profile');
    expect(origin('sla.collection_interval_s')).toBe('env VIGIL_SLA__COLLECTION_INTERVAL_S');
    expect(origin('port')).toBe('flag port');
    expect(origin('auth.signing_key_path')).toBe('profile (beside database_url)');

    // The scheduled collection runs, and all six nodes register and send heartbeats.
    const status = await eventually(
      'a scheduled SLA collection',
      async () => {
        const body = (await call(api, 'GET', '/sla/status', { key: readKey })).body as {
          last_collection_at: string | null;
        };
        return body.last_collection_at !== null ? body : undefined;
      },
      30_000,
    );
    expect(status.last_collection_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    // One node in ten flaps (at least one of six) and may be in a silent phase.
    const firstBeats = await eventually(
      'six nodes with heartbeats',
      async () => {
        const { nodes } = (await call(api, 'GET', '/nodes', { key: readKey })).body as NodeList;
        const beating = nodes.filter((n) => n.status.last_heartbeat_at !== null);
        return nodes.length === 6 && beating.length >= 5 ? nodes : undefined;
      },
      30_000,
    );
    expect(new Set(firstBeats.map((n) => n.node_id)).size).toBe(6);
    // Heartbeats keep arriving: some node's last heartbeat moves on.
    const latest = (nodes: NodeList['nodes']) =>
      Math.max(...nodes.map((n) => Date.parse(n.status.last_heartbeat_at ?? '1970-01-01T00:00:00Z')));
    const before = latest(firstBeats);
    await eventually(
      'a newer heartbeat',
      async () =>
        latest(((await call(api, 'GET', '/nodes', { key: readKey })).body as NodeList).nodes) > before
          ? true
          : undefined,
      15_000,
    );

    // Real work: every topic's jobs are run by the nodes' workers through their adapters, and
    // the outcomes reach the SLA engine's completion rate.
    const topics = (await call(api, 'GET', '/topics', { key: readKey })).body as {
      topics: Array<{ name: string }>;
    };
    expect(topics.topics.map((t) => t.name).sort()).toEqual(['batch', 'primes', 'sha256', 'wordfreq']);
    for (const topic of ['sha256', 'primes', 'wordfreq', 'batch']) {
      await eventually(
        `a ${topic} job run by a worker`,
        async () => {
          const { jobs } = (
            await call(api, 'GET', `/jobs?topic=${topic}&status=succeeded&limit=1`, { key: readKey })
          ).body as {
            jobs: Array<{ node_id: string; result: unknown }>;
          };
          return jobs[0]?.result !== undefined && jobs[0]?.result !== null ? jobs[0] : undefined;
        },
        30_000,
      );
    }
    const node = (await call(api, 'GET', '/nodes/sim-006', { key: readKey })).body as {
      lifecycle: { state: string };
      workers: Array<{ state: string; topics: unknown[] }>;
    };
    expect(node.workers).toHaveLength(1);
    expect(node.workers[0]?.topics).toHaveLength(2);
    expect(node.lifecycle.state).toMatch(/^(ready|working|benchmarking|starting)$/);
    const completion = await eventually(
      'a completion rate computed from real outcomes',
      async () => {
        const rows = (
          await call(api, 'GET', '/sla/metrics?metric_type=completion_rate_pct&hours=1', { key: readKey })
        ).body as Array<{
          metric_value: number | null;
        }>;
        return rows.find((r) => r.metric_value !== null);
      },
      30_000,
    );
    expect(completion.metric_value).toBeGreaterThan(0);
    expect((await call(api, 'GET', '/metrics', { key: readKey })).text).toMatch(
      /^vigil_jobs_completed_total\{/m,
    );

    // The printed admin key may do what only an operator or admin may; no key may not.
    expect((await call(api, 'POST', '/sla/metrics/collect')).status).toBe(401);
    const collected = await call(api, 'POST', '/sla/metrics/collect', { key: adminKey });
    expect(collected.status).toBe(200);
    // The six simulated nodes, and the batch pool's worker processes the autoscaler started.
    expect((collected.body as { nodes_processed: number }).nodes_processed).toBeGreaterThanOrEqual(6);
    expect((await call(api, 'GET', '/metrics', { key: readKey })).text).toMatch(
      /^vigil_sla_capacity_availability_pct [\d.]+$/m,
    );

    // The autoscaler's pool ran the batch tenant's burst on worker processes of its own.
    const { jobs: batch } = (
      await call(api, 'GET', '/jobs?topic=batch&status=succeeded&limit=1', { key: readKey })
    ).body as { jobs: Array<{ node_id: string }> };
    expect(batch[0]?.node_id).toMatch(/^batch-pool-\d+$/);
    const decisions = (await call(api, 'GET', '/autoscaler/decisions?target=batch-pool', { key: readKey }))
      .body as { decisions: Array<{ desired: number; action: { started: string[] } | null }> };
    expect(decisions.decisions.some((d) => d.desired > 0 && (d.action?.started.length ?? 0) > 0)).toBe(true);

    // Capacity is sampled into its series every second; a forecast needs five simulated days
    // (ten minutes), so this young run is told how much more history it needs.
    const forecast = await eventually(
      'a capacity forecast that has seen complete intervals',
      async () => {
        const body = (await call(api, 'GET', '/sla/capacity/forecast?topic=sha256', { key: readKey }))
          .body as {
          status: string;
          history: Array<{ supply: number | null }>;
          history_needed: { have_intervals: number; need_intervals: number } | null;
        };
        return (body.history_needed?.have_intervals ?? 0) > 0 ? body : undefined;
      },
      30_000,
    );
    expect(forecast.status).toBe('insufficient_history');
    expect(forecast.history_needed?.need_intervals).toBe(120);
    expect(forecast.history.some((p) => (p.supply ?? 0) > 0)).toBe(true);

    // SIGINT to `vigil up` alone: it stops its simulator and drains its pool itself, within seconds.
    const stopped = await up.stop('SIGINT', 20_000);
    expect(stopped, up.output()).toMatchObject({ code: 0, signal: null });
    await expectAllGone(port, simulator.pid);
    const records = join(dir, 'vigil-up-autoscaler', 'batch-pool');
    expect(existsSync(records) ? readdirSync(records).filter((f) => f.endsWith('.json')) : []).toEqual([]);
  }, 120_000);

  it('runs an agent per node, so epochs settle from peers’ signed reports and vigil verify accepts them', async () => {
    const { up, api } = await startUp({
      env: {
        VIGIL_EPOCHS__LENGTH_S: '10',
        VIGIL_EPOCHS__REPORT_WINDOW_S: '3',
        VIGIL_MONITORING__PROBE_INTERVAL_S: '1',
        VIGIL_MONITORING__INTERIM_PERIOD_S: '2',
      },
    });
    expect(up.stdout).toMatch(/Each node runs an agent that audits 8 peers/);
    interface Settled {
      settlement: { epoch: number; reports_accepted: number; nodes: Array<{ quorum_met: boolean }> };
    }
    // The first epoch has no members (the fleet registers after it starts); a later one is
    // audited by the agents and settled from their reports.
    const settled = await eventually(
      'an epoch settled from the agents’ reports',
      async () => {
        const current = (await call(api, 'GET', '/epochs/current')).body as { epoch: number };
        for (let n = current.epoch - 1; n >= current.epoch - 4; n--) {
          const res = await call(api, 'GET', `/epochs/${n}/settlement`);
          const body = res.body as Settled;
          if (res.status === 200 && body.settlement.reports_accepted >= 3) return body.settlement;
        }
        return undefined;
      },
      60_000,
    );
    expect(settled.nodes).toHaveLength(6);
    expect(settled.nodes.filter((n) => n.quorum_met).length).toBeGreaterThan(0);

    const verified = await runVigil(['verify', '--epoch', String(settled.epoch), '--coordinator', api]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^verified$/m);
    const stopped = await up.stop('SIGINT', 15_000);
    expect(stopped, up.output()).toMatchObject({ code: 0, signal: null });
  }, 90_000);

  it('stops cleanly on Ctrl-C in a terminal, which signals the whole process group', async () => {
    const { up, port, api, readKey, simulator } = await startUp({ group: true });
    await eventually('the fleet registered', async () => {
      const { nodes } = (await call(api, 'GET', '/nodes', { key: readKey })).body as NodeList;
      return nodes.length === 6 ? true : undefined;
    });
    const stopped = await up.stop('SIGINT', 10_000, true);
    expect(stopped, up.output()).toMatchObject({ code: 0, signal: null });
    await expectAllGone(port, simulator.pid);
  }, 60_000);

  it('reports failure with exit 1 when its simulated fleet dies', async () => {
    const { up, port, simulator } = await startUp();
    process.kill(simulator.pid, 'SIGKILL');
    const exited = await Promise.race([
      up.exited,
      new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 10_000)),
    ]);
    expect(exited, up.output()).not.toBe('late');
    if (exited !== 'late') expect(exited.code, up.output()).toBe(1);
    expect(await portOpen(port)).toBe(false);
  }, 60_000);

  it('refuses a --nodes that is not a positive whole number before starting anything', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const port = await freePort();
    const result = await runVigil(
      ['up', '--port', String(port), '--nodes', 'abc', '--database-url', join(dir.dir, 'up.db')],
      { timeoutMs: 20_000 },
    );
    expect(result.code, result.stdout + result.stderr).toBe(2);
    expect(result.stdout).not.toMatch(/Vigil is up/);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/--nodes/)]);
  });
});
