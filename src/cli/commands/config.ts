import { Command, Option } from 'commander';
import YAML from 'yaml';
import { describeConfigKeys, redactConfig } from '../../config/index.ts';
import { configFor } from '../options.ts';

export function configCommand(): Command {
  const config = new Command('config').description('inspect configuration');
  const print = new Command('print')
    .description('print the effective configuration (all sources applied, secrets redacted)')
    // A choice, so commander refuses anything else as the usage error it is (exit 2).
    .addOption(new Option('--format <format>', 'yaml or json').choices(['yaml', 'json']).default('yaml'))
    .option('--keys', 'list every key with its environment variable and default instead');
  print.action((opts: { format: string; keys?: boolean }) => {
    if (opts.keys) {
      for (const k of describeConfigKeys()) console.log(`${k.key}\t${k.env}\t${JSON.stringify(k.default)}`);
      return;
    }
    const effective = redactConfig(configFor(print, {}));
    if (opts.format === 'json') console.log(JSON.stringify(effective, null, 2));
    else process.stdout.write(YAML.stringify(effective));
  });
  return config.addCommand(print);
}
