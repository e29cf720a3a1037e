import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, lines, runVigil, VigilProcess } from '../cli/support.ts';
import { eventually } from '../helpers/eventually.ts';
import { FAST, harnesses } from './support/harness.ts';

describe('vigil worker', () => {
  const h = harnesses();
  afterEach(async () => {
    await killAll();
    await h.cleanup();
  });

  it('refuses a bad configuration with one line and exit 2 before starting anything', async () => {
    const bad = await runVigil(['worker'], { env: { VIGIL_WORKER_CONFIG_JSON: '{"max_retries": -1}' } });
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toEqual([
      'vigil: invalid configuration: max_retries = -1 (from env VIGIL_WORKER_CONFIG_JSON): expected a number >= 0',
    ]);
    const none = await runVigil(['worker']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/set VIGIL_WORKER_CONFIG_JSON or VIGIL_WORKER_CONFIG_FILE/);
  });

  it('runs jobs, and on SIGTERM drains, reports stopped and exits 0', async () => {
    const t = await h.make({ topics: [{ name: 'hash' }] });
    writeFileSync(join(t.dir, 'echo.mjs'), 'export default (payload) => ({ echoed: payload });\n');
    const configFile = join(t.dir, 'worker.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        coordinator_url: t.fake.url,
        key_path: 'node.key',
        data_dir: 'data',
        ...FAST,
        topics: [{ topic: 'hash', concurrency: 2, adapter: { kind: 'module', path: 'echo.mjs' } }],
      }),
    );
    const worker = new VigilProcess(['worker', '--config-file', configFile, '--log-format', 'json']);
    await worker.waitFor(({ stdout }) => (stdout.includes('"worker host started"') ? true : undefined));
    const job = t.fake.submit('hash', { n: 7 });
    await eventually('job done', () => job.status === 'succeeded');
    expect(job.result).toEqual({ echoed: { n: 7 } });
    const { code } = await worker.stop('SIGTERM');
    expect(code).toBe(0);
    const states = t.fake.workers.get(`${t.nodeId}/main`)!.transitions.map((s) => s.state);
    expect(states.slice(-2)).toEqual(['draining', 'stopped']);
    expect(t.fake.workers.get(`${t.nodeId}/main`)!.transitions.at(-1)!.reason).toBe('SIGTERM');
  });
});
