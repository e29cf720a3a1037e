import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../../src/node-client/identity.ts';
import { killAll, lines, runVigil, VigilProcess } from '../cli/support.ts';
import { eventually } from '../helpers/eventually.ts';
import { closedPort, type LocalServer, sendJson, serve } from '../helpers/http.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';
import { type FakeCoordinator, startFakeCoordinator } from './support/fake-coordinator.ts';
import { member } from './support/network.ts';

describe('vigil agent (a real process)', () => {
  const dirs = tempDirs();
  const servers: LocalServer[] = [];
  afterEach(async () => {
    await killAll();
    await Promise.all(servers.splice(0).map((s) => s.close()));
    dirs.cleanup();
  });

  it('lists its options in --help', async () => {
    const help = await runVigil(['agent', '--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--coordinator',
      '--key-path',
      '--data-dir',
      '--port',
      '--node-id',
      '--register',
      '--endpoint',
    ]) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('VIGIL_AGENT_API_KEY');
  });

  it('creates its key on first start, logs node id and public key, and exits 0 on SIGTERM', async () => {
    const dir = dirs.make();
    const keyPath = join(dir, 'keys', 'node.key');
    const port = await closedPort();
    const args = ['agent', '--coordinator', `http://127.0.0.1:${port}`, '--key-path', keyPath];
    const first = new VigilProcess(
      [...args, '--data-dir', join(dir, 'data'), '--port', '0', '--log-format', 'json'],
      {
        cwd: dir,
      },
    );
    // With JSON logs what it says at start-up is log lines too (decision 0060).
    const logged = () => lines(first.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    const started = await first.waitFor(({ stdout }) =>
      stdout.includes('"agent started"') ? logged().find((e) => e.msg === 'agent started') : undefined,
    );
    expect(started).toMatchObject({ key_created: true, key_path: keyPath });
    expect(logged().find((e) => /^created a node key.*back it up/.test(String(e.msg)))).toMatchObject({
      level: 'warn',
      key_path: keyPath,
    });
    const identity = await loadOrCreateIdentity(keyPath);
    expect({ id: started.node_id, key: started.public_key }).toEqual({
      id: identity.nodeId,
      key: identity.publicKey,
    });
    expect(await first.stop('SIGTERM')).toMatchObject({ code: 0 });
    expect(lines(first.stdout).some((l) => l.includes('"shutting down"'))).toBe(true);

    const again = await runVigil(['agent', '--register', '--key-path', keyPath], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^vigil: --register needs an API key .* VIGIL_AGENT_API_KEY/);
  });

  it('killed mid-epoch and started again: keeps its logged samples and sends one report', async () => {
    const dir = dirs.make();
    const keyPath = join(dir, 'node.key');
    const me = await loadOrCreateIdentity(keyPath);
    const target = await serve((_req, res) => sendJson(res, 200, {}));
    servers.push(target);
    const fake: FakeCoordinator = await startFakeCoordinator({
      // Epoch 0's groups are published once the agent runs, and the epoch then ends 4 s
      // later, so the kill below lands inside it however long the process took to start.
      genesis_ms: Date.now(),
      length_ms: 3_600_000,
      report_window_ms: 60_000,
      monitoring: { probe_interval_s: 0.1, probe_timeout_ms: 500, interim_period_s: 0.3 },
      members: [
        { node_id: me.nodeId, public_key: me.publicKey, endpoint: null, agent_url: null },
        member('a', target.url),
        member('b', target.url),
      ],
      groups: new Map(),
    });
    servers.push(fake);
    const args = ['agent', '--coordinator', fake.url, '--key-path', keyPath, '--data-dir', join(dir, 'data')];
    const run = () => new VigilProcess([...args, '--port', '0', '--log-format', 'json'], { cwd: dir });
    const interimProbes = () =>
      new Set(
        fake.interims.flatMap((i) =>
          i.body.targets.flatMap((t) => t.probes.map((p) => `${t.target}@${p[0]}`)),
        ),
      );

    const first = run();
    await first.waitFor(({ stdout }) => (stdout.includes('"agent started"') ? true : undefined));
    fake.options.length_ms = Date.now() - fake.options.genesis_ms + 4000;
    fake.options.groups.set(0, new Map([[me.nodeId, ['a', 'b']]]));
    const before = await eventually(
      'probes in interim summaries',
      () => interimProbes().size >= 4 && interimProbes().size,
      15_000,
    );
    first.kill();
    await first.exited;
    expect(Date.now()).toBeLessThan(fake.options.genesis_ms + fake.options.length_ms);

    const second = run();
    await second.waitFor(({ stdout }) => (stdout.includes('"agent started"') ? true : undefined));
    const stored = await eventually('the report', () => fake.stored.get(`0/${me.nodeId}`), 15_000);
    const report = JSON.parse(stored.body).report;
    const samples = report.targets.reduce((n: number, t: { samples: number }) => n + t.samples, 0);
    expect(samples).toBeGreaterThanOrEqual(before);
    // Every probe the coordinator heard about in a summary is in the report, and nothing else.
    expect(interimProbes().size).toBe(samples);
    expect(fake.reports).toHaveLength(1);
    expect(fake.refusals).toEqual([]);
    const stopped = await second.stop('SIGTERM');
    expect(stopped, second.output()).toMatchObject({ code: 0 });
  });
});
