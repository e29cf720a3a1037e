import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLogLines, type LogEntry } from './json-lines.ts';
import { call, freePort, killAll, tempDir, VigilProcess } from './support.ts';

/**
 * With JSON logs, stdout is for a log pipeline: every line of every long-running command
 * parses, names its level and carries an ISO time, and what a command tells its user at
 * start-up is one line with the facts as fields (decision 0060).
 */
const cleanups: Array<() => void> = [];

function scratch(): string {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  return dir.dir;
}

/** Waits for the JSON log line with `msg`; the output so far must all parse while waiting. */
function waitForLine(proc: VigilProcess, msg: string, timeoutMs = 20_000): Promise<LogEntry> {
  return proc.waitFor(({ stdout }) => {
    const complete = stdout.slice(0, stdout.lastIndexOf('\n') + 1);
    return jsonLogLines(complete).find((entry) => entry.msg === msg);
  }, timeoutMs);
}

describe('JSON logs', () => {
  afterEach(async () => {
    await killAll();
    for (const c of cleanups.splice(0)) c();
  });

  it('vigil up with LOG_FORMAT=json: the banner is one log line with its URLs and keys as fields', async () => {
    const dir = scratch();
    const port = await freePort();
    const up = new VigilProcess(
      ['up', '--port', String(port), '--nodes', '3', '--database-url', join(dir, 'up.db')],
      {
        env: { LOG_FORMAT: 'json', VIGIL_SLA__COLLECTION_INTERVAL_S: '2' },
      },
    );
    const banner = await waitForLine(up, 'vigil is up');
    const api = `http://127.0.0.1:${port}`;
    expect(banner).toMatchObject({
      level: 'info',
      dialect: 'sqlite',
      nodes: 3,
      collection_interval_s: 2,
      topics: ['sha256', 'primes', 'wordfreq', 'batch'],
      autoscaled: ['batch-pool (batch, 0–4 process replicas)'],
      api_url: api,
      docs_url: `${api}/docs`,
      sla_status_url: `${api}/sla/status`,
      metrics_url: `${api}/metrics`,
      epoch_url: `${api}/epochs/current`,
      node_url: `${api}/nodes/sim-003`,
      read_key: expect.stringMatching(/^vgl_[A-Za-z0-9_-]{43}$/),
      admin_key: expect.stringMatching(/^vgl_[A-Za-z0-9_-]{43}$/),
    });
    // The fields are the real thing: the read key reads what the URL names.
    const status = await call(banner.api_url as string, 'GET', '/sla/status', {
      key: banner.read_key as string,
    });
    expect(status.status).toBe(200);
    // Lines keep coming after the banner: a scheduled collection's, at least.
    await waitForLine(up, 'sla collection done');
    const stopped = await up.stop('SIGINT', 15_000);
    expect(stopped, up.output()).toMatchObject({ code: 0, signal: null });
    const entries = jsonLogLines(up.stdout);
    expect(entries.filter((e) => e.msg === 'vigil is up')).toHaveLength(1);
    expect(entries.map((e) => e.msg)).toContain('stopping');
    expect(up.stdout).not.toMatch(/Press Ctrl-C/);
  }, 60_000);

  it('vigil agent with log_format: json in its config file: its start-up is log lines too', async () => {
    const dir = scratch();
    const configFile = join(dir, 'vigil.yaml');
    writeFileSync(configFile, 'log_format: json\n');
    const agent = new VigilProcess(
      [
        '--config',
        configFile,
        'agent',
        '--coordinator',
        `http://127.0.0.1:${await freePort()}`,
        '--key-path',
        join(dir, 'node.key'),
        '--data-dir',
        join(dir, 'data'),
        '--port',
        '0',
      ],
      { cwd: dir },
    );
    const started = await waitForLine(agent, 'agent started');
    expect(started).toMatchObject({
      level: 'info',
      node_id: expect.any(String),
      public_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      key_path: join(dir, 'node.key'),
      key_created: true,
      status_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/status$/),
    });
    expect(await agent.stop('SIGTERM')).toMatchObject({ code: 0 });
    const entries = jsonLogLines(agent.stdout);
    expect(entries.find((e) => e.msg.startsWith('created a node key'))).toMatchObject({ level: 'warn' });
    expect(entries.map((e) => e.msg)).toContain('shutting down');
  });

  it('vigil simulate --log-format json: the same shape of line', async () => {
    const sim = new VigilProcess([
      '--log-format',
      'json',
      'simulate',
      '--coordinator',
      `http://127.0.0.1:${await freePort()}`,
      '--key',
      'vgl_unused',
      '--nodes',
      '1',
    ]);
    const unreachable = await waitForLine(sim, 'coordinator unreachable');
    expect(unreachable).toMatchObject({ level: 'warn', component: 'simulator' });
    await sim.stop('SIGTERM');
    jsonLogLines(sim.stdout);
  });
});
