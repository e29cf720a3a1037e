import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import type { AdapterSpec } from '../../core/work/topic.ts';
import {
  type Adapter,
  type AdapterOutcome,
  cancelledOutcome,
  failed,
  MAX_OUTPUT_BYTES,
  timeoutOutcome,
} from './adapter.ts';
import { openAttemptWindow, type StopReason } from './attempt.ts';
import { parseJsonOutput, tooLarge } from './json-output.ts';

export type CommandAdapterSpec = Extract<AdapterSpec, { kind: 'command' }>;

export interface CommandAdapterOptions {
  baseDir: string;
  /** After SIGTERM, how long the process group has before SIGKILL. */
  killGraceMs?: number;
  /** The environment the command inherits (VIGIL_* removed); the spec's `env` goes on top. */
  env?: NodeJS.ProcessEnv;
}

const STDERR_TAIL_BYTES = 2048;
/** sysexits.h EX_USAGE and EX_DATAERR: the input is wrong, so running it again cannot help. */
const BAD_INPUT_EXIT_CODES = new Set([64, 65]);

/**
 * Runs a process per attempt: the payload as JSON on stdin, one JSON document expected on
 * stdout. The process leads its own process group, so a timeout or cancellation kills whatever
 * it started too (SIGTERM, then SIGKILL after the grace), and no leftover outlives the attempt.
 */
export function createCommandAdapter(spec: CommandAdapterSpec, options: CommandAdapterOptions): Adapter {
  const killGraceMs = options.killGraceMs ?? 2000;
  const cwd = resolve(options.baseDir, spec.cwd ?? '.');
  // A relative path with a separator is the operator's file next to the configuration;
  // a bare name is looked up in PATH as a shell would.
  const command =
    spec.command.includes('/') && !isAbsolute(spec.command)
      ? resolve(options.baseDir, spec.command)
      : spec.command;
  const env = { ...withoutVigilSecrets(options.env ?? process.env), ...spec.env };

  return {
    kind: 'command',
    run(input, { signal, timeoutMs }) {
      if (signal.aborted) return Promise.resolve(cancelledOutcome('command'));
      return runOnce({ command, args: spec.args, cwd, env, killGraceMs }, input, signal, timeoutMs);
    },
    async close() {},
  };
}

interface Invocation {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
}

function runOnce(
  inv: Invocation,
  input: unknown,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<AdapterOutcome> {
  return new Promise((settle) => {
    const window = openAttemptWindow(signal, timeoutMs);
    let spawnError: Error | null = null;
    let killTimer: NodeJS.Timeout | undefined;

    const child = spawn(inv.command, inv.args, {
      cwd: inv.cwd,
      env: inv.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      shell: false,
    });

    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const terminate = () => {
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), inv.killGraceMs);
    };
    window.signal.addEventListener('abort', terminate, { once: true });

    child.on('error', (err) => {
      spawnError = err;
    });
    // A command that exits or closes stdin before reading the payload gives EPIPE here; its exit
    // status says what happened, so the write error itself is not news.
    child.stdin.on('error', () => {});
    const output = captureOutput(child, () => killGroup('SIGKILL'));
    // The leader is gone; anything it left in its group (holding our pipes open) goes with it.
    child.on('exit', () => killGroup('SIGKILL'));

    child.on('close', (code, sig) => {
      window.dispose();
      clearTimeout(killTimer);
      const stderr = output.stderr();
      settle(
        outcomeOf(inv, {
          spawnError: child.pid === undefined ? spawnError : null,
          stop: window.stopReason(),
          timeoutMs,
          overflow: output.overflow,
          code,
          sig,
          tail: stderr === '' ? '' : `; stderr: ${stderr}`,
          stdout: output.stdout,
        }),
      );
    });

    if (child.pid !== undefined) child.stdin.end(JSON.stringify(input ?? null));
  });
}

/**
 * What a command writes: its stdout, up to MAX_OUTPUT_BYTES (past that it is dropped and
 * `onOverflow` told, once), and the end of its stderr, for messages.
 */
function captureOutput(child: ChildProcessWithoutNullStreams, onOverflow: () => void) {
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderrTail = Buffer.alloc(0);
  let overflow = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (overflow) return;
    stdoutBytes += chunk.length;
    if (stdoutBytes > MAX_OUTPUT_BYTES) {
      overflow = true;
      stdout.length = 0;
      onOverflow();
      return;
    }
    stdout.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const joined = Buffer.concat([stderrTail, chunk]);
    stderrTail = joined.subarray(Math.max(0, joined.length - STDERR_TAIL_BYTES));
  });
  return {
    get overflow() {
      return overflow;
    },
    stdout: () => Buffer.concat(stdout).toString('utf8'),
    stderr: () => stderrTail.toString('utf8').trim(),
  };
}

/** What a command's end means: why it stopped, how it exited, and what it wrote. */
function outcomeOf(
  inv: Invocation,
  end: {
    /** Set when the command could not even be started. */
    spawnError: Error | null;
    stop: StopReason | null;
    timeoutMs: number;
    overflow: boolean;
    code: number | null;
    sig: NodeJS.Signals | null;
    /** The end of stderr, as a suffix for messages. */
    tail: string;
    stdout: () => string;
  },
): AdapterOutcome {
  const { spawnError, stop, overflow, code, sig, tail } = end;
  if (spawnError !== null)
    return failed('spawn-failed', `cannot start ${inv.command} in ${inv.cwd}: ${spawnError.message}`, false);
  if (stop === 'cancelled') return cancelledOutcome('command');
  if (stop === 'timeout') return timeoutOutcome('command', end.timeoutMs, ` (killed)${tail}`);
  if (overflow) return tooLarge('command stdout');
  if (sig !== null) return failed('crash', `${inv.command} was killed by ${sig}${tail}`, true);
  if (code !== null && BAD_INPUT_EXIT_CODES.has(code))
    return failed('bad-input', `${inv.command} refused the input (exit ${code})${tail}`, false);
  if (code !== 0) return failed('crash', `${inv.command} exited with ${code}${tail}`, true);
  return parseJsonOutput(end.stdout(), `${inv.command} stdout`);
}

/** The worker's own settings (its API key among them) are not the adapter's business. */
function withoutVigilSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('VIGIL_')));
}
