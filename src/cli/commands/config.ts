import { Command } from 'commander';
import YAML from 'yaml';
import { describeConfigKeys, redactConfig } from '../../config/index.ts';
import { configFor } from '../options.ts';

export function configCommand(): Command {
  const config = new Command('config').description('inspect configuration');
  const print = new Command('print')
    .description('print the effective configuration (all sources applied, secrets redacted)')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--keys', 'list every key with its environment variable and default instead');
  print.action((opts: { format: string; keys?: boolean }) => {
    if (opts.keys) {
      for (const k of describeConfigKeys()) console.log(`${k.key}\t${k.env}\t${JSON.stringify(k.default)}`);
      return;
    }
    const effective = redactConfig(configFor(print, {}));
    if (opts.format === 'json') console.log(JSON.stringify(effective, null, 2));
    else if (opts.format === 'yaml') process.stdout.write(YAML.stringify(effective));
    else throw new Error(`unknown format ${opts.format}; use yaml or json`);
  });
  return config.addCommand(print);
}
