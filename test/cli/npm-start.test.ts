import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { childrenOf, cleanEnv, eventually, freePort, portOpen, processExists, tempDir } from './support.ts';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

function descendantsOf(pid: number): Array<{ pid: number; args: string }> {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child.pid)]);
}

// A process manager or a container runtime signals the one process it started, here npm,
// not the whole process group as a terminal's Ctrl-C does. `npm start` must stop on that.
describe('npm start', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('stops vigil up and its fleet when only npm’s own process gets SIGTERM', async () => {
    const dir = tempDir();
    cleanups.push(dir.cleanup);
    const port = await freePort();
    const npm = spawn('npm', ['start', '--silent', '--', '--nodes', '3'], {
      cwd: PROJECT,
      env: cleanEnv({
        VIGIL_PORT: String(port),
        VIGIL_DATABASE_URL: join(dir.dir, 'up.db'),
        VIGIL_AUTH__SIGNING_KEY_PATH: join(dir.dir, 'coordinator.key'),
        VIGIL_LOG_LEVEL: 'warn',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    npm.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      npm.once('exit', (code, signal) => resolve({ code, signal })),
    );
    cleanups.push(() => {
      for (const child of descendantsOf(npm.pid as number)) process.kill(child.pid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    });
    await eventually(
      'vigil up running under npm',
      async () => (/Vigil is up/.test(output) ? true : undefined),
      60_000,
    );

    // Everything npm started: vigil up and its fleet (and a shell, were there one between).
    const started = descendantsOf(npm.pid as number);
    expect(started.map((c) => c.args).join('\n'), output).toMatch(/vigil\.js up[\s\S]*vigil\.js simulate/);

    process.kill(npm.pid as number, 'SIGTERM');
    const result = await Promise.race([
      exited,
      new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 20_000)),
    ]);
    expect(result, output).not.toBe('late');
    for (const child of started) expect(processExists(child.pid), child.args).toBe(false);
    expect(await portOpen(port)).toBe(false);
  }, 90_000);
});
