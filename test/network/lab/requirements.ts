import { execFileSync } from 'node:child_process';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

function missing(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
}

/**
 * Why the namespace lab cannot run here, or null. It needs root (namespaces, links, iptables)
 * and iproute2's `ip`, iptables and python3 (the NFQUEUE program). Outside CI a missing
 * requirement skips the suite and says why; in CI as root nothing may be missing, so the suite
 * runs and a missing tool fails it instead of hiding it.
 */
export function networkLabProblem(): { skip: string | null; fail: string | null } {
  const problems: string[] = [];
  if (process.getuid?.() !== 0) problems.push('not running as root');
  if (missing('ip', ['-V'])) problems.push('iproute2 (`ip`) not installed');
  if (missing('iptables', ['--version'])) problems.push('iptables not installed');
  if (missing('python3', ['--version'])) problems.push('python3 not installed');
  if (problems.length === 0) return { skip: null, fail: null };
  const reason = `it needs root, ip, iptables and python3: ${problems.join(', ')}`;
  if (inCi && process.getuid?.() === 0) return { skip: null, fail: reason };
  return { skip: reason, fail: null };
}
