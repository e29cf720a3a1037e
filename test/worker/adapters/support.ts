import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// Helpers for adapter tests: scripts written to a temp dir, and whether a process still runs.

export interface ScriptDir {
  dir: string;
  /** Writes `source` to `name` in the dir and returns its absolute path. */
  write(name: string, source: string): string;
  cleanup(): void;
}

export function scriptDir(): ScriptDir {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-adapter-'));
  return {
    dir,
    write(name, source) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, source);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Whether `pid` is a live process: a zombie waiting for its parent to reap it is not. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name in parentheses, which may itself hold spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Waits up to `withinMs` for `pid` to be gone (init reaps an orphan shortly after it dies). */
export async function gone(pid: number, withinMs = 2000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (isRunning(pid)) {
    if (Date.now() > until) return false;
    await sleep(20);
  }
  return true;
}

/** Waits up to `withinMs` for a file to hold text, and returns it. */
export async function fileText(path: string, withinMs = 5000): Promise<string> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      const text = readFileSync(path, 'utf8');
      if (text !== '') return text;
    } catch {
      // Not written yet.
    }
    if (Date.now() > until) throw new Error(`${path} stayed empty for ${withinMs} ms`);
    await sleep(20);
  }
}

export const never = () => new AbortController().signal;
