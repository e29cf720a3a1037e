import type { Command } from 'commander';
import { ConfigError } from '../config/index.ts';
import { LOG_LEVELS } from '../config/schema.ts';
import type { LogFormat, LogLevel } from '../platform/log.ts';
import type { GlobalOptions } from './options.ts';

const FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/**
 * Log level and format for the commands that do not load the coordinator's configuration
 * (`worker`, `simulate`): the same flags and variables, in the same order of precedence, as
 * the configuration gives `log_level` and `log_format`, so one setting reaches every role.
 */
export function logSettings(
  cmd: Command,
  env: NodeJS.ProcessEnv = process.env,
): { level: LogLevel; format: LogFormat } {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  return {
    level: pick('log_level', LOG_LEVELS, 'info', globals.logLevel, env),
    format: pick('log_format', FORMATS, 'json', globals.logFormat, env),
  };
}

function pick<T extends string>(
  key: 'log_level' | 'log_format',
  allowed: readonly T[],
  fallback: T,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): T {
  const name = key.toUpperCase();
  // Flags are checked by commander; the environment is checked here, as configuration is.
  const sources: Array<[string, string | undefined]> = [
    [`flag ${key}`, flag],
    [`env VIGIL_${name}`, env[`VIGIL_${name}`]],
    [`env ${name}`, env[name]],
  ];
  for (const [origin, value] of sources) {
    if (value === undefined || value === '') continue;
    if (allowed.includes(value as T)) return value as T;
    throw new ConfigError([{ key, value, origin, expected: `expected one of ${allowed.join(', ')}` }]);
  }
  return fallback;
}
