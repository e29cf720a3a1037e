import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { prometheusRulesYaml } from '../../coordinator/alerts/prometheus-rules-yaml.ts';
import { configFor } from '../options.ts';
import { UP_PROFILE } from './up.ts';

export function prometheusCommand(): Command {
  const cmd = new Command('prometheus').description('what Prometheus needs to watch Vigil');
  const rules = new Command('rules')
    .description(
      'print alerting rules from the effective configuration (thresholds, severities, collection interval)',
    )
    .option('--up', "for `vigil up`'s compressed time: its profile under the other configuration sources")
    .option('--output <file>', 'write the rules to a file instead of stdout');
  rules.action((opts: { up?: boolean; output?: string }) => {
    // The same configuration the coordinator would load, so the rules judge as it does.
    const config = configFor(rules, {}, opts.up ? UP_PROFILE : undefined);
    const text = prometheusRulesYaml(config.sla);
    if (opts.output === undefined) process.stdout.write(text);
    else writeFileSync(opts.output, text);
  });
  return cmd.addCommand(rules);
}
