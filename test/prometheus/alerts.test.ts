import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { defaultConfig } from '../../src/config/schema.ts';
import { prometheusRulesYaml } from '../../src/coordinator/alerts/prometheus-rules-yaml.ts';
import { runVigil } from '../cli/support.ts';
import { announceSkip, prometheusProblem } from './requirements.ts';

// The alert rules are generated from the effective configuration (`vigil prometheus rules`);
// docs/prometheus/alerts.yml is that output for the defaults, and promtool checks both it
// and the rules for `vigil up`'s compressed time, and runs the unit tests beside it.

const root = fileURLToPath(new URL('../../', import.meta.url));
const rules = 'docs/prometheus/alerts.yml';
const ruleTests = 'docs/prometheus/alerts.test.yml';
const problem = prometheusProblem(['promtool']);
announceSkip('promtool check rules / test rules', problem);

function promtool(...args: string[]) {
  return spawnSync('promtool', args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
}
const parsed = (text: string) => (YAML.parse(text) as { groups: [{ rules: Rule[] }] }).groups[0].rules;

describe('the generated Prometheus rules', () => {
  it('are, for the default configuration, exactly docs/prometheus/alerts.yml', () => {
    expect(readFileSync(join(root, rules), 'utf8')).toBe(prometheusRulesYaml(defaultConfig().sla));
  });

  it('take their bounds, severities and pace from the configuration', () => {
    const sla = defaultConfig().sla;
    sla.thresholds.uptime_pct = 99;
    sla.thresholds.response_time_ms = 250;
    sla.severities.uptime_pct = [{ severity: 'critical', factor: 1 }];
    sla.severities.capacity_availability_pct = [
      { severity: 'critical', factor: 0.5 },
      { severity: 'high', factor: 1 },
    ];
    sla.collection_interval_s = 30;
    const all = parsed(prometheusRulesYaml(sla));
    const of = (alert: string) => all.filter((r) => r.alert === alert);
    expect(of('LowNodeUptime')).toEqual([
      expect.objectContaining({
        expr: 'vigil_sla_uptime_pct < 99',
        for: '1m',
        labels: expect.objectContaining({ severity: 'critical' }),
      }),
    ]);
    expect(of('HighResponseTime').map((r) => [r.labels.severity, r.expr.split(' unless ')[0]])).toEqual([
      ['critical', 'vigil_sla_response_time_seconds > 0.5'],
      ['high', 'vigil_sla_response_time_seconds > 0.25'],
    ]);
    expect(of('LowCapacityAvailability').map((r) => [r.labels.severity, r.for])).toEqual([
      ['critical', '90s'],
      ['high', '90s'],
    ]);
    expect(of('HighSLAViolationRate')[0]?.expr).toBe('sum(rate(vigil_sla_violations_total[90s])) > 1');
  });

  it('follow the configuration the coordinator would load, from `vigil prometheus rules`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-cli-'));
    try {
      const file = join(dir, 'alerts.yml');
      const result = await runVigil(['prometheus', 'rules', '--output', file], {
        env: { VIGIL_SLA__THRESHOLDS__UPTIME_PCT: '99', VIGIL_SLA__COLLECTION_INTERVAL_S: '60' },
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe('');
      const uptime = parsed(readFileSync(file, 'utf8')).filter((r) => r.alert === 'LowNodeUptime');
      expect(uptime.map((r) => [r.labels.severity, r.expr.split(' unless ')[0], r.for])).toEqual([
        ['critical', 'vigil_sla_uptime_pct < 89.1', '2m'],
        ['high', 'vigil_sla_uptime_pct < 99', '2m'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.skipIf(problem.skip !== null)('under promtool', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    beforeAll(() => {
      if (problem.fail !== null) throw new Error(problem.fail);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('pass promtool check rules', () => {
      const result = promtool('check', 'rules', rules);
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain('SUCCESS: 7 rules found');
    });

    it('pass their promtool unit tests', () => {
      const result = promtool('test', 'rules', ruleTests);
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    });

    it('follow vigil up’s compressed time from `vigil prometheus rules --up`, and pass promtool', async () => {
      const printed = await runVigil(['prometheus', 'rules', '--up']);
      expect(printed.code, printed.stderr).toBe(0);
      // vigil up collects every 10 s; its violations last tens of seconds, not ten minutes.
      const uptime = parsed(printed.stdout).filter((r) => r.alert === 'LowNodeUptime');
      expect(uptime.map((r) => r.for)).toEqual(['20s', '20s']);
      const file = join(dir, 'up.yml');
      writeFileSync(file, printed.stdout);
      const result = promtool('check', 'rules', file);
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    });
  });
});
