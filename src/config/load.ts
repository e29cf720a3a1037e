import { resolve } from 'node:path';
import { CONFIG_FILE_VAR, CONFIG_JSON_VAR, type Env, readEnv } from './env.ts';
import { ConfigError, type ConfigProblem, type ConfigWarning } from './errors.ts';
import { problemsFromIssue } from './issues.ts';
import { type Layer, mergeLayers } from './merge.ts';
import { configSchema, type VigilConfig } from './schema.ts';
import { readConfigFile, readConfigJson, readFlags, type SourceResult } from './sources.ts';

export interface LoadConfigOptions {
  /** Environment variables; defaults to `process.env`. */
  env?: Env;
  /** Config file (YAML or JSON); defaults to `VIGIL_CONFIG_FILE`. Relative paths resolve against `cwd`. */
  configFile?: string;
  /** Command-line settings keyed by dotted path, typed or as strings: `{ 'sla.slice_s': '60' }`. */
  flags?: Readonly<Record<string, unknown>>;
  /** Defaults of the running command (e.g. `vigil up`), ranked just above the built-in defaults. */
  profile?: Readonly<Record<string, unknown>>;
  /** Directory relative config file paths resolve against; defaults to `process.cwd()`. */
  cwd?: string;
  /**
   * Told once about each thing that is ignored rather than refused (a `VIGIL_*` variable that
   * names no key), before the configuration is returned or its ConfigError thrown.
   */
  onWarning?: (warning: ConfigWarning) => void;
}

/** Dotted path → where the value set there came from (`flag port`, `env VIGIL_PORT`, `profile`…). */
export type ConfigSources = ReadonlyMap<string, string>;

/** The configuration and, for each key a source set, that source. */
export interface LoadedConfig {
  config: VigilConfig;
  /** Keys no source set are absent: they have their defaults (see effective.ts). */
  sources: ConfigSources;
}

/**
 * Loads the configuration from every source, lowest precedence first: defaults, profile,
 * config file, `VIGIL_CONFIG_JSON`, seed-guide aliases, `VIGIL_*` variables, flags. Objects
 * merge deeply and arrays replace. Throws one `ConfigError` listing every problem found.
 */
export function loadConfig(options: LoadConfigOptions = {}): VigilConfig {
  return loadConfigWithSources(options).config;
}

/** `loadConfig`, keeping where each value came from: a running coordinator can say so (GET /config). */
export function loadConfigWithSources(options: LoadConfigOptions = {}): LoadedConfig {
  const { env = process.env, flags = {}, profile, cwd = process.cwd(), onWarning = () => {} } = options;
  const layers: Layer[] = [];
  const problems: ConfigProblem[] = [];
  const take = (result: SourceResult) => {
    if (result.layer) layers.push(result.layer);
    problems.push(...result.problems);
  };

  if (profile) layers.push({ origin: 'profile', data: { ...profile } });

  const fromEnvVar = env[CONFIG_FILE_VAR] ? ` (from env ${CONFIG_FILE_VAR})` : '';
  const configFile = options.configFile ?? (env[CONFIG_FILE_VAR] || undefined);
  if (configFile !== undefined) {
    const origin = `file ${configFile}${options.configFile === undefined ? fromEnvVar : ''}`;
    take(readConfigFile(resolve(cwd, configFile), origin));
  }

  const json = env[CONFIG_JSON_VAR];
  if (json) take(readConfigJson(json, `env ${CONFIG_JSON_VAR}`));

  const fromEnv = readEnv(env);
  layers.push(...fromEnv.aliases, ...fromEnv.vigil);
  problems.push(...fromEnv.problems);
  for (const warning of fromEnv.warnings) onWarning(warning);

  const fromFlags = readFlags(flags);
  layers.push(...fromFlags.layers);
  problems.push(...fromFlags.problems);

  const merged = mergeLayers(layers);
  const result = configSchema.safeParse(merged.input);
  if (!result.success)
    problems.push(...result.error.issues.flatMap((issue) => problemsFromIssue(issue, merged)));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: result.data!, sources: merged.origins };
}
