import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterOutcome } from '../../../src/worker/adapters/adapter.ts';
import { createAdapter } from '../../../src/worker/adapters/index.ts';
import { ABORT_GRACE_MS, createModuleAdapter } from '../../../src/worker/adapters/module.ts';
import { eventually } from '../../helpers/eventually.ts';
import { never, type ScriptDir, scriptDir } from './support.ts';

let scripts: ScriptDir;

beforeAll(() => {
  scripts = scriptDir();
  scripts.write(
    'work.mjs',
    `import { appendFileSync } from 'node:fs';
     export default async function double({ n }, { signal }) { return { doubled: n * 2, aborted: signal.aborted }; }
     export function sync(payload) { return [payload, 'sync']; }
     export function flaky() { throw new Error('backend busy'); }
     export function refuses() { throw Object.assign(new Error('n must be a number'), { retryable: false }); }
     export function coded() { throw Object.assign(new Error('bad n'), { code: 'bad-input', retryable: false }); }
     export function systemError() { throw Object.assign(new Error('no file'), { code: 'ENOENT' }); }
     export function throwsString() { throw 'plain string'; }
     export function nothing() {}
     export function bigint() { return { n: 10n }; }
     export function huge() { return 'a'.repeat(9 * 1024 * 1024); }
     export const notAFunction = 42;
     export const seen = { abortedAfterTimeout: null };
     export async function slow(_payload, { signal }) {
       await new Promise((resolve) => setTimeout(resolve, 400));
       seen.abortedAfterTimeout = signal.aborted;
       return 'late';
     }
     export function spin({ file }) {
       let last = 0;
       for (;;) {
         if (file && Date.now() - last > 20) { appendFileSync(file, 'x'); last = Date.now(); }
       }
     }
     let calls = 0;
     export function count() { return ++calls; }
     export function forever({ file, started }, { signal }) {
       if (started) appendFileSync(started, 'started');
       return new Promise((_resolve, reject) => signal.addEventListener('abort', () => {
         if (file) appendFileSync(file, 'aborted');
         reject(new Error('stopped'));
       }));
     }`,
  );
  scripts.write('broken.mjs', 'export default function ( {');
  scripts.write('throws-on-load.mjs', `throw new Error('config missing');`);
});
afterAll(() => scripts.cleanup());

function moduleAdapter(exportName: string, path = 'work.mjs') {
  return createAdapter({ kind: 'module', path, export: exportName }, { baseDir: scripts.dir });
}

function failure(outcome: AdapterOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

const run = (exportName: string, payload: unknown = {}, timeoutMs = 5000, path?: string) =>
  moduleAdapter(exportName, path).run(payload, { signal: never(), timeoutMs });

describe('module adapter', () => {
  it('calls the named export, resolved against baseDir, with the payload and a live signal', async () => {
    const adapter = moduleAdapter('default');
    expect(adapter.kind).toBe('module');
    expect(await adapter.run({ n: 4 }, { signal: never(), timeoutMs: 5000 })).toEqual({
      ok: true,
      result: { doubled: 8, aborted: false },
    });
    expect(await run('sync', 'x')).toEqual({ ok: true, result: ['x', 'sync'] });
  });

  it('calls a thrown error retryable, keeping its message', async () => {
    expect(failure(await run('flaky'))).toEqual({
      code: 'module-error',
      message: 'backend busy',
      retryable: true,
    });
    expect(failure(await run('throwsString'))).toMatchObject({ message: 'plain string', retryable: true });
  });

  it('calls an error with retryable: false final, keeping a kebab-case code of its own', async () => {
    expect(failure(await run('refuses'))).toEqual({
      code: 'module-error',
      message: 'n must be a number',
      retryable: false,
    });
    expect(failure(await run('coded'))).toEqual({ code: 'bad-input', message: 'bad n', retryable: false });
    expect(failure(await run('systemError'))).toMatchObject({ code: 'module-error', retryable: true });
  });

  it('calls a value that is not JSON malformed-output and one past 8 MiB result-too-large', async () => {
    expect(failure(await run('nothing'))).toMatchObject({ code: 'malformed-output', retryable: false });
    expect(failure(await run('bigint'))).toMatchObject({ code: 'malformed-output', retryable: false });
    expect(failure(await run('huge'))).toMatchObject({ code: 'result-too-large', retryable: false });
  });

  it('times out a slow call, retryable', async () => {
    const error = failure(await run('slow', {}, 100));
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(error.message).toContain('its thread was stopped');
  });

  it('says cancelled when the caller aborts, and the call sees the abort before its thread stops', async () => {
    const controller = new AbortController();
    const file = join(scripts.dir, 'cancelled.txt');
    const started = join(scripts.dir, 'cancelled-started.txt');
    const running = moduleAdapter('forever').run(
      { file, started },
      { signal: controller.signal, timeoutMs: 30_000 },
    );
    // Aborted once the module runs: a thread still starting (a loaded machine) has no one to tell.
    await eventually('the module started', () => existsSync(started));
    controller.abort();
    expect(failure(await running)).toMatchObject({ code: 'cancelled', retryable: false });
    await eventually('the module saw the abort', () => existsSync(file));
    expect(readFileSync(file, 'utf8')).toBe('aborted');
  });

  it('aborts the signal of a call past its timeout too', async () => {
    const file = join(scripts.dir, 'timed-out.txt');
    // Long enough for the thread to start and the module to run on a loaded machine.
    expect(failure(await run('forever', { file }, 1_500))).toMatchObject({ code: 'timeout' });
    await eventually('the module saw the abort', () => existsSync(file));
  });

  it.each([
    ['a missing file', 'default', 'missing.mjs', 'cannot import'],
    ['a syntax error', 'default', 'broken.mjs', 'cannot import'],
    ['a module that throws on load', 'default', 'throws-on-load.mjs', 'config missing'],
    ['a missing export', 'nope', 'work.mjs', 'no function export "nope"'],
    ['an export that is not a function', 'notAFunction', 'work.mjs', 'found number'],
  ])('says load-failed, not retryable, for %s', async (_name, exportName, path, text) => {
    const adapter = moduleAdapter(exportName, path);
    for (let i = 0; i < 2; i++) {
      const error = failure(await adapter.run({}, { signal: never(), timeoutMs: 5000 }));
      expect(error).toMatchObject({ code: 'load-failed', retryable: false });
      expect(error.message).toContain(text);
    }
  });
});

describe('module adapter: idle threads', () => {
  it('keeps a thread for the next call, and stops one left idle past idleThreadMs', async () => {
    const adapter = createModuleAdapter(
      { kind: 'module', path: 'work.mjs', export: 'count' },
      { baseDir: scripts.dir, idleThreadMs: 300 },
    );
    const call = () => adapter.run({}, { signal: never(), timeoutMs: 5000 });
    // The module's state lives in its thread: the count goes on while the thread is kept…
    expect(await call()).toEqual({ ok: true, result: 1 });
    expect(await call()).toEqual({ ok: true, result: 2 });
    // …and starts again in a new thread once the idle one was stopped.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await call()).toEqual({ ok: true, result: 1 });
    await adapter.close();
  });
});

describe('module adapter: a call that never returns', () => {
  it('is really stopped after its timeout (its thread is terminated after the grace), and the next call runs', async () => {
    const adapter = moduleAdapter('spin');
    const error = failure(
      await adapter.run({ file: `${scripts.dir}/spin.log` }, { signal: never(), timeoutMs: 200 }),
    );
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    // The busy loop writes a line every 20 ms while it runs; once stopped, the file stops growing.
    await new Promise((resolve) => setTimeout(resolve, ABORT_GRACE_MS + 150));
    const size = statSync(`${scripts.dir}/spin.log`).size;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statSync(`${scripts.dir}/spin.log`).size).toBe(size);
    expect(await moduleAdapter('default').run({ n: 2 }, { signal: never(), timeoutMs: 5000 })).toMatchObject({
      ok: true,
    });
    expect(await adapter.run({ file: '' }, { signal: never(), timeoutMs: 50 })).toMatchObject({
      ok: false,
    });
    await adapter.close();
  });
});
