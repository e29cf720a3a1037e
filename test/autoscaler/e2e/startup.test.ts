import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, lines, runVigil, tempDir } from '../../cli/support.ts';

/**
 * `vigil autoscaler` refuses what it cannot act on before it acts: a wrong configuration is one
 * line naming the key and exit 2 (running again fails the same way), a source it cannot read
 * yet is one line and exit 1 (it may answer later). Nothing else is printed on stderr, so a
 * process manager's log shows the reason alone.
 */
describe('vigil autoscaler start-up errors, as a process', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  const target = (overrides: Record<string, unknown>) => ({
    name: 'pool',
    deployer: { kind: 'process' },
    policies: [{ kind: 'watermark', metric: 'topic.backlog', high: 10, low: 1 }],
    topic: 'hash',
    ...overrides,
  });

  async function autoscaler(autoscalerConfig: Record<string, unknown>) {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const result = await runVigil(['autoscaler', '--database-url', join(dir, 'vigil.db')], {
      cwd: dir,
      env: { VIGIL_CONFIG_JSON: JSON.stringify({ autoscaler: autoscalerConfig }) },
      timeoutMs: 30_000,
    });
    return { ...result, stderrLines: lines(result.stderr) };
  }

  it('min_replicas above max_replicas: one line naming the key, exit 2', async () => {
    const r = await autoscaler({ targets: [target({ min_replicas: 5, max_replicas: 2 })] });
    expect(r.code).toBe(2);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(/^vigil: .*autoscaler\.targets\.0\.min_replicas/);
  });

  it('an unknown deployer kind: one line naming the key, exit 2', async () => {
    const r = await autoscaler({ targets: [target({ deployer: { kind: 'nomad' } })] });
    expect(r.code).toBe(2);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(/^vigil: .*autoscaler\.targets\.0\.deployer/);
  });

  it('no targets: one line, exit 2', async () => {
    const r = await autoscaler({ targets: [] });
    expect(r.code).toBe(2);
    expect(r.stderrLines).toEqual([
      'vigil: no scaled targets: declare them under autoscaler.targets (docs/autoscaler.md)',
    ]);
  });

  it('a target whose topic does not exist: one line naming the key, exit 2', async () => {
    const r = await autoscaler({ targets: [target({ topic: 'nowhere' })] });
    expect(r.code).toBe(2);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(/^vigil: autoscaler\.targets\.0\.topic: no topic nowhere/);
  });

  it('a redis source on a closed port: one line naming the source, exit 1', async () => {
    const port = await freePort();
    const r = await autoscaler({
      targets: [
        {
          name: 'bots',
          deployer: { kind: 'process' },
          sources: [
            { name: 'pending', kind: 'redis', url: `redis://127.0.0.1:${port}`, key: 'q', timeout_ms: 2_000 },
          ],
          policies: [{ kind: 'target', metric: 'pending', target: 10 }],
        },
      ],
    });
    expect(r.code).toBe(1);
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(
      /^vigil: autoscaler\.targets\.0\.sources\.0 \(pending\) cannot be read: .*ECONNREFUSED/,
    );
  });
});
