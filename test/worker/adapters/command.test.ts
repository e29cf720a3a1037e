import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterOutcome } from '../../../src/worker/adapters/adapter.ts';
import { createCommandAdapter } from '../../../src/worker/adapters/command.ts';
import { createAdapter } from '../../../src/worker/adapters/index.ts';
import { fileText, gone, isRunning, never, type ScriptDir, scriptDir } from './support.ts';

const node = process.execPath;
let scripts: ScriptDir;

beforeAll(() => {
  scripts = scriptDir();
});
afterAll(() => scripts.cleanup());

/** A command adapter running `node <script>` where the script's source is given inline. */
function nodeScript(
  name: string,
  source: string,
  extra: { env?: Record<string, string>; cwd?: string } = {},
) {
  const path = scripts.write(name, source);
  return createAdapter(
    { kind: 'command', command: node, args: [path], env: extra.env ?? {}, cwd: extra.cwd ?? null },
    { baseDir: scripts.dir },
  );
}

const readStdin = `
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const input = JSON.parse(Buffer.concat(chunks).toString());
`;

function failure(outcome: AdapterOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

describe('command adapter', () => {
  it('passes the payload on stdin and takes one JSON document from stdout as the result', async () => {
    const adapter = nodeScript(
      'echo.mjs',
      `${readStdin} console.log(JSON.stringify({ doubled: input.n * 2, cwd: process.cwd() }));`,
    );
    expect(adapter.kind).toBe('command');
    const outcome = await adapter.run({ n: 21 }, { signal: never(), timeoutMs: 5000 });
    expect(outcome).toEqual({ ok: true, result: { doubled: 42, cwd: scripts.dir } });
  });

  it('runs in cwd resolved against baseDir, with the spec env on top and the worker’s VIGIL_* settings removed', async () => {
    scripts.write('sub/.keep', '');
    const path = scripts.write(
      'env.mjs',
      `console.log(JSON.stringify({ cwd: process.cwd(), mine: process.env.MINE ?? null, secret: process.env.VIGIL_TEST_SECRET ?? null, path: typeof process.env.PATH }));`,
    );
    const adapter = createCommandAdapter(
      { kind: 'command', command: node, args: [path], env: { MINE: 'yes' }, cwd: 'sub' },
      { baseDir: scripts.dir, env: { PATH: process.env.PATH ?? '', VIGIL_TEST_SECRET: 'key' } },
    );
    const outcome = await adapter.run(null, { signal: never(), timeoutMs: 5000 });
    expect(outcome).toEqual({
      ok: true,
      result: { cwd: join(scripts.dir, 'sub'), mine: 'yes', secret: null, path: 'string' },
    });
  });

  it('resolves a relative command path against baseDir', async () => {
    const path = scripts.write('tool.sh', '#!/bin/sh\necho \'{"tool":true}\'\n');
    chmodSync(path, 0o755);
    const adapter = createAdapter(
      { kind: 'command', command: './tool.sh', args: [], env: {}, cwd: null },
      { baseDir: scripts.dir },
    );
    expect(await adapter.run({}, { signal: never(), timeoutMs: 5000 })).toEqual({
      ok: true,
      result: { tool: true },
    });
  });

  it('kills a command that runs past its timeout and says timeout, retryable', async () => {
    const pidFile = join(scripts.dir, 'sleeper.pid');
    const adapter = nodeScript(
      'sleeper.mjs',
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => {}, 60_000);`,
    );
    const outcome = await adapter.run({}, { signal: never(), timeoutMs: 300 });
    const error = failure(outcome);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toContain('300 ms');
    expect(await gone(Number(await fileText(pidFile)))).toBe(true);
  });

  it('sends SIGKILL after the grace when the command ignores SIGTERM', async () => {
    const pidFile = join(scripts.dir, 'stubborn.pid');
    const path = scripts.write(
      'stubborn.mjs',
      `import { writeFileSync } from 'node:fs'; process.on('SIGTERM', () => {}); writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`,
    );
    const adapter = createCommandAdapter(
      { kind: 'command', command: node, args: [path], env: {}, cwd: null },
      { baseDir: scripts.dir, killGraceMs: 200 },
    );
    const running = adapter.run({}, { signal: never(), timeoutMs: 300 });
    const pid = Number(await fileText(pidFile));
    expect(failure(await running)).toMatchObject({ code: 'timeout', retryable: true });
    expect(isRunning(pid)).toBe(false);
  });

  it('calls a non-zero exit a crash, retryable, with the stderr tail in the message', async () => {
    const adapter = nodeScript('exit3.mjs', `console.error('disk on fire'); process.exit(3);`);
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'crash', retryable: true });
    expect(error.message).toContain('exited with 3');
    expect(error.message).toContain('disk on fire');
  });

  it('calls death by a signal a crash, retryable', async () => {
    const adapter = nodeScript('suicide.mjs', `process.kill(process.pid, 'SIGKILL');`);
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'crash', retryable: true });
    expect(error.message).toContain('SIGKILL');
  });

  it.each([64, 65])(
    'calls exit %i bad-input, not retryable: the same input would fail again',
    async (code) => {
      const adapter = nodeScript(
        `exit${code}.mjs`,
        `console.error('rounds must be positive'); process.exit(${code});`,
      );
      const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
      expect(error).toMatchObject({ code: 'bad-input', retryable: false });
      expect(error.message).toContain('rounds must be positive');
    },
  );

  it.each([
    ['text', `console.log('done!');`],
    ['two documents', `console.log('{"a":1}'); console.log('{"b":2}');`],
    ['nothing', ``],
  ])('calls stdout holding %s malformed-output, not retryable', async (name, source) => {
    const adapter = nodeScript(`malformed-${name.replace(/ /g, '-')}.mjs`, source);
    expect(failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }))).toMatchObject({
      code: 'malformed-output',
      retryable: false,
    });
  });

  it('keeps only the last 2 KiB of stderr', async () => {
    const adapter = nodeScript(
      'chatty.mjs',
      `process.stderr.write('FIRST' + 'x'.repeat(10_000) + 'LAST'); process.exit(1);`,
    );
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
    expect(error.message).toContain('LAST');
    expect(error.message).not.toContain('FIRST');
    expect(error.message.length).toBeLessThan(2048 + 200);
  });

  it('stops reading stdout past 8 MiB and says result-too-large, not retryable', async () => {
    const adapter = nodeScript('flood.mjs', `process.stdout.write('"' + 'a'.repeat(9 * 1024 * 1024) + '"');`);
    expect(failure(await adapter.run({}, { signal: never(), timeoutMs: 10_000 }))).toMatchObject({
      code: 'result-too-large',
      retryable: false,
    });
  });

  it('says spawn-failed, not retryable, for a command that does not exist', async () => {
    const adapter = createAdapter(
      { kind: 'command', command: 'vigil-no-such-command', args: [], env: {}, cwd: null },
      { baseDir: scripts.dir },
    );
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'spawn-failed', retryable: false });
    expect(error.message).toContain('ENOENT');
  });

  it('says spawn-failed, naming the directory, when cwd does not exist', async () => {
    const adapter = createAdapter(
      { kind: 'command', command: node, args: ['-e', ''], env: {}, cwd: 'no-such-dir' },
      { baseDir: scripts.dir },
    );
    const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
    expect(error).toMatchObject({ code: 'spawn-failed', retryable: false });
    expect(error.message).toContain(join(scripts.dir, 'no-such-dir'));
  });

  it('survives a command that exits without reading a large payload (EPIPE)', async () => {
    const adapter = nodeScript('deaf.mjs', `process.stdin.destroy(); console.log('{"heard":false}');`);
    const payload = { blob: 'z'.repeat(4 * 1024 * 1024) };
    expect(await adapter.run(payload, { signal: never(), timeoutMs: 5000 })).toEqual({
      ok: true,
      result: { heard: false },
    });
  });

  it('on cancellation kills the command and what it started, and says cancelled', async () => {
    const pidFile = join(scripts.dir, 'family.pids');
    const adapter = nodeScript(
      'family.mjs',
      `import { spawn } from 'node:child_process';
       import { writeFileSync } from 'node:fs';
       const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
       writeFileSync(${JSON.stringify(pidFile)}, process.pid + ' ' + child.pid);
       setInterval(() => {}, 1000);`,
    );
    const controller = new AbortController();
    const running = adapter.run({}, { signal: controller.signal, timeoutMs: 30_000 });
    const [parent, grandchild] = (await fileText(pidFile)).split(' ').map(Number) as [number, number];
    expect(isRunning(parent)).toBe(true);
    expect(isRunning(grandchild)).toBe(true);
    controller.abort();
    expect(failure(await running)).toMatchObject({ code: 'cancelled', retryable: false });
    expect(await gone(parent)).toBe(true);
    expect(await gone(grandchild)).toBe(true);
  });

  it('kills what a successful command left behind in its process group', async () => {
    const pidFile = join(scripts.dir, 'leftover.pid');
    const adapter = nodeScript(
      'leftover.mjs',
      `import { spawn } from 'node:child_process';
       import { writeFileSync } from 'node:fs';
       const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
       writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
       console.log('{"done":true}');
       process.exit(0);`,
    );
    expect(await adapter.run({}, { signal: never(), timeoutMs: 10_000 })).toEqual({
      ok: true,
      result: { done: true },
    });
    expect(await gone(Number(await fileText(pidFile)))).toBe(true);
  });

  it('does not start a command when the signal is already aborted', async () => {
    const marker = join(scripts.dir, 'should-not-exist');
    const adapter = nodeScript(
      'marker.mjs',
      `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(marker)}, 'ran');`,
    );
    const controller = new AbortController();
    controller.abort();
    expect(failure(await adapter.run({}, { signal: controller.signal, timeoutMs: 5000 }))).toMatchObject({
      code: 'cancelled',
    });
    expect(existsSync(marker)).toBe(false);
  });
});
