import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rules = 'docs/prometheus/alerts.yml';
const ruleTests = 'docs/prometheus/alerts.test.yml';

function promtool(...args: string[]) {
  return spawnSync('promtool', args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

// CI installs Prometheus; on a workstation without it the checks are skipped, visibly.
const available = promtool('--version').error === undefined;
const missing = available ? '' : ' (skipped: promtool is missing from PATH; install prometheus to run)';

describe('Prometheus alert rules', () => {
  it.skipIf(!available)(`pass promtool check rules${missing}`, () => {
    const result = promtool('check', 'rules', rules);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('SUCCESS: 5 rules found');
  });

  it.skipIf(!available)(`pass their promtool unit tests${missing}`, () => {
    const result = promtool('test', 'rules', ruleTests);
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  });
});
