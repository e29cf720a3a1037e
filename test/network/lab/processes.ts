import { type ChildProcess, spawn } from 'node:child_process';
import type { LabHost } from './namespaces.ts';

/** A process the network test started, in a host's namespace or in the root one. */
export interface LabProcess {
  readonly child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr, for failure messages. */
  output(): string;
  /** Resolves with the first output line matching `pattern`; fails if it exits or `timeoutMs` passes first. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `command` inside `host`'s namespace (`ip netns exec` enters the namespace and then
 * execs the command, so the child's pid is the command's own). `label` names it in errors.
 */
export function spawnIn(
  host: LabHost,
  label: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): LabProcess {
  const child = spawn('ip', ['netns', 'exec', host.ns, command, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const watchers = new Set<(line: string) => void>();
  let pending = '';
  const take = (chunk: Buffer) => {
    const s = chunk.toString('utf8');
    // Keep the tail only: an agent logging for a minute should not fill the test's memory.
    text = (text + s).slice(-20_000);
    pending += s;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) for (const watch of watchers) watch(line);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => text,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          watchers.delete(watch);
          child.off('exit', onExit);
        };
        const watch = (line: string) => {
          if (!pattern.test(line)) return;
          done();
          resolve(line);
        };
        const onExit = (code: number | null, signal: string | null) => {
          done();
          reject(new Error(`${label} exited (${signal ?? code}) before printing ${pattern}:\n${text}`));
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${label} printed no ${pattern} within ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        watchers.add(watch);
        child.once('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
      });
    },
    async stop(graceMs = 3_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
