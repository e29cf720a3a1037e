import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the real `vigil` command as a child process, the way deploy scripts and operators do.
 * The child is the Node.js that runs the tests (the project's Node 24), never a `node` on PATH.
 */
export const BIN = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));

/** Names the configuration reads besides `VIGIL_*`; a developer's shell must not leak them into a test. */
const ALIASES = new Set([
  'LOG_LEVEL',
  'LOG_FORMAT',
  'SLA_UPTIME_THRESHOLD',
  'SLA_RESPONSE_TIME_THRESHOLD',
  'SLA_COMPLETION_RATE_THRESHOLD',
  'SLA_CAPACITY_THRESHOLD',
  'SLA_COLLECTION_INTERVAL_SECONDS',
  'CAPACITY_FORECAST_HOURS',
  'CAPACITY_ALERT_THRESHOLD_PCT',
  'BILLING_SYNC_INTERVAL_HOURS',
  'COORDINATOR_BILLING_URL',
  'COORDINATOR_API_KEY',
]);

/** The test process's environment without any configuration in it, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (ALIASES.has(name)) continue;
    if (name.startsWith('VIGIL_') && !name.startsWith('VIGIL_TEST_')) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** A temporary directory, used as the working directory of every child so nothing lands in the checkout. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The working directory of children that get no other: one fixed, shared directory, so a
 * command that falls back to `./data/…` never writes into the checkout, and nothing is left
 * per run (vitest workers do not always run exit hooks).
 */
const scratch = { dir: join(tmpdir(), 'vigil-cli-cwd') };
mkdirSync(scratch.dir, { recursive: true });

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `vigil …args` to completion (killed after `timeoutMs`) and returns its exit and output. */
export function runVigil(
  args: string[],
  { env = {}, cwd = scratch.dir, timeoutMs = 20_000 }: RunOptions = {},
) {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`vigil ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Lines of a text, without the empty one after a final newline. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** A long-running `vigil` process (coordinator, up) whose output is watched line by line. */
export class VigilProcess {
  readonly child: ChildProcess;
  private readonly group: boolean;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  /** With `group`, the process leads a process group of its own, as a shell job does. */
  constructor(
    args: string[],
    { env = {}, cwd = scratch.dir, group = false }: Omit<RunOptions, 'timeoutMs'> & { group?: boolean } = {},
  ) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: group,
    });
    this.group = group;
    running.add(this);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
        this.notify();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private notify(): void {
    for (const wake of this.waiters) wake();
  }

  /** Waits until `find` returns something for the output so far; fails on exit or after `timeoutMs`. */
  async waitFor<T>(find: (out: { stdout: string; stderr: string }) => T | undefined, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find({ stdout: this.stdout, stderr: this.stderr });
      if (found !== undefined) return found;
      if (!this.alive) throw new Error(`vigil exited before it printed what was expected\n${this.output()}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`vigil did not print what was expected within ${timeoutMs} ms\n${this.output()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /**
   * Sends `signal` (to the whole process group with `toGroup`, as Ctrl-C in a terminal does) and
   * waits for the exit; SIGKILLs and fails if it takes longer than `timeoutMs`.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000, toGroup = false) {
    const started = Date.now();
    if (this.alive) {
      if (toGroup) process.kill(-this.pid, signal);
      else this.child.kill(signal);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const result = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (result === 'late') {
      this.kill();
      throw new Error(`vigil did not exit within ${timeoutMs} ms of ${signal}\n${this.output()}`);
    }
    return { ...result, ms: Date.now() - started };
  }

  kill(): void {
    if (!this.alive) return;
    if (this.group) {
      try {
        process.kill(-this.pid, 'SIGKILL');
        return;
      } catch {
        // the group is gone already; fall through to the process itself
      }
    }
    this.child.kill('SIGKILL');
  }

  output(): string {
    return `--- stdout\n${this.stdout.slice(-4000)}\n--- stderr\n${this.stderr.slice(-4000)}`;
  }
}

const running = new Set<VigilProcess>();

/** SIGKILLs every `vigil` process a test started and has not stopped; for `afterEach`. */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const p of left) p.kill();
  await Promise.all(left.map((p) => p.exited));
}

/** Starts `vigil coordinator` on port 0 with JSON logs and returns once it says where it listens. */
export async function startCoordinator(
  databaseUrl: string,
  env: Record<string, string> = {},
  useEnv = false,
) {
  const args = useEnv
    ? ['coordinator', '--log-format', 'json']
    : [
        'coordinator',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--database-url',
        databaseUrl,
        '--log-format',
        'json',
      ];
  const proc = new VigilProcess(args, {
    env: useEnv ? { VIGIL_PORT: '0', VIGIL_DATABASE_URL: databaseUrl, ...env } : env,
  });
  const url = await proc.waitFor(({ stdout }) => {
    for (const line of lines(stdout)) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'coordinator listening') return entry.url;
    }
    return undefined;
  });
  return { proc, url: url! };
}

/** Creates a key with `vigil keys create` and returns it (the last line of the output). */
export async function createKey(databaseUrl: string, role: string): Promise<string> {
  const result = await runVigil(['keys', 'create', '--role', role, '--database-url', databaseUrl]);
  if (result.code !== 0) throw new Error(`keys create failed (${result.code}): ${result.stderr}`);
  return lines(result.stdout).at(-1)!;
}

export * from './net.ts';
