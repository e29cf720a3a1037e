import { spawnSync } from 'node:child_process';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

function missing(command: string): boolean {
  const result = spawnSync(command, ['--version'], { stdio: 'ignore', timeout: 30_000 });
  return result.error !== undefined || result.status !== 0;
}

/**
 * Why the Prometheus tests cannot run here, or null. They need Debian's `prometheus` package
 * (2.42): `promtool` and, for the end-to-end test, `prometheus`. On a workstation without it
 * they skip and say why; in CI (which installs it, .ci/run) a missing binary fails them
 * instead of hiding them.
 */
export function prometheusProblem(binaries: readonly ('promtool' | 'prometheus')[]): {
  skip: string | null;
  fail: string | null;
} {
  const absent = binaries.filter(missing);
  if (absent.length === 0) return { skip: null, fail: null };
  const reason = `${absent.join(' and ')} not on PATH (install the Debian package prometheus)`;
  return inCi ? { skip: null, fail: reason } : { skip: reason, fail: null };
}

/** Skips visibly: one line on stderr naming the test and the reason. */
export function announceSkip(what: string, problem: { skip: string | null }): void {
  if (problem.skip !== null) console.warn(`[vigil tests] ${what} skipped: ${problem.skip}`);
}
