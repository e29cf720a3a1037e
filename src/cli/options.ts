import { type Command, Option } from 'commander';
import {
  formatWarning,
  type LoadedConfig,
  loadConfigWithSources,
  type VigilConfig,
} from '../config/index.ts';
import { createLogger } from '../platform/log.ts';

/** Options every command accepts; they reach the configuration as its highest-precedence source. */
export interface GlobalOptions {
  config?: string;
  logLevel?: string;
  logFormat?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--config <file>', 'configuration file, YAML or JSON (also VIGIL_CONFIG_FILE)')
    .addOption(
      new Option('--log-level <level>', 'log level (also LOG_LEVEL)').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'fatal',
        'silent',
      ]),
    )
    .addOption(
      new Option('--log-format <format>', 'log format (also LOG_FORMAT)').choices(['json', 'pretty']),
    );
}

/** Adds `--database-url`, shared by every command that opens the store. */
export function databaseUrlOption(cmd: Command): Command {
  return cmd.option(
    '--database-url <url>',
    'postgres://… for PostgreSQL, or a SQLite file path (also VIGIL_DATABASE_URL; default ./data/vigil.db)',
  );
}

/**
 * Loads the effective configuration for a command: its flags on top of every other source.
 * What it ignores is said on stderr, once, before any log line: the logger is configured by
 * what is being loaded here.
 */
export function configFor(
  cmd: Command,
  flags: Record<string, unknown>,
  profile?: Record<string, unknown>,
): VigilConfig {
  return loadedConfigFor(cmd, flags, profile).config;
}

/** `configFor` with where each value came from, for the coordinator's GET /config. */
export function loadedConfigFor(
  cmd: Command,
  flags: Record<string, unknown>,
  profile?: Record<string, unknown>,
): LoadedConfig {
  const globals = cmd.optsWithGlobals<GlobalOptions>();
  const all: Record<string, unknown> = { ...flags };
  if (globals.logLevel !== undefined) all.log_level = globals.logLevel;
  if (globals.logFormat !== undefined) all.log_format = globals.logFormat;
  for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
  return loadConfigWithSources({
    flags: all,
    onWarning: (warning) => process.stderr.write(`vigil: warning: ${formatWarning(warning)}\n`),
    ...(globals.config === undefined ? {} : { configFile: globals.config }),
    ...(profile === undefined ? {} : { profile }),
  });
}

export function loggerFor(config: VigilConfig) {
  return createLogger({ level: config.log_level, format: config.log_format });
}
