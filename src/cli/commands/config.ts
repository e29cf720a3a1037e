import { Command, Option } from 'commander';
import YAML from 'yaml';
import { describeConfigKeys, effectiveSettings, redactConfig } from '../../config/index.ts';
import { configFor, loadedConfigFor } from '../options.ts';

export function configCommand(): Command {
  const config = new Command('config').description('inspect configuration');
  const print = new Command('print')
    .description('print the effective configuration (all sources applied, secrets redacted)')
    // A choice, so commander refuses anything else as the usage error it is (exit 2).
    .addOption(new Option('--format <format>', 'yaml or json').choices(['yaml', 'json']).default('yaml'))
    .option('--keys', 'list every key with its environment variable and default instead')
    .option('--sources', 'list every key with its effective value and where it came from instead');
  print.action((opts: { format: string; keys?: boolean; sources?: boolean }) => {
    if (opts.keys) {
      for (const k of describeConfigKeys()) console.log(`${k.key}\t${k.env}\t${JSON.stringify(k.default)}`);
      return;
    }
    if (opts.sources) {
      // The same list a running coordinator answers GET /config with.
      const { config, sources } = loadedConfigFor(print, {});
      for (const s of effectiveSettings(config, sources))
        console.log(`${s.key}\t${JSON.stringify(s.value)}\t${s.origin}`);
      return;
    }
    const effective = redactConfig(configFor(print, {}));
    if (opts.format === 'json') console.log(JSON.stringify(effective, null, 2));
    else process.stdout.write(YAML.stringify(effective));
  });
  return config.addCommand(print);
}
