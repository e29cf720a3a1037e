import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpochMember } from '../../../src/agent/coordinator-views.ts';
import { exportPublicKey, generateKeyPair } from '../../../src/core/crypto/index.ts';
import type { Logger } from '../../../src/platform/log.ts';

/** A member of the fake network with a fresh key. */
export function member(
  node_id: string,
  endpoint: string | null,
  agent_url: string | null = null,
): EpochMember {
  return { node_id, public_key: exportPublicKey(generateKeyPair().publicKey), endpoint, agent_url };
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps what it is told, for tests that check what the agent says. */
export function captureLog(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const make = (bindings: Record<string, unknown>): Logger & { entries: LogEntry[] } => {
    const at =
      (level: LogEntry['level']) =>
      (obj: object, msg = '') =>
        entries.push({ level, msg, fields: { ...bindings, ...obj } });
    return {
      entries,
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}

/** Temporary directories removed by `cleanup`. */
export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(prefix = 'vigil-agent-'): string {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
    cleanup(): void {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` returns something other than undefined/false; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A counter or gauge's value from Prometheus text, by name and exact label text (e.g. `result="up"`). */
export function metricValue(text: string, name: string, labels = ''): number | null {
  const line = text.split('\n').find((l) => l.startsWith(labels === '' ? `${name} ` : `${name}{${labels}}`));
  return line === undefined ? null : Number(line.split(' ').at(-1));
}
