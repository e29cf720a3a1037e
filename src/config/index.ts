export { type ConfigKeyDescription, describeConfigKeys } from './describe.ts';
export {
  type EffectiveSetting,
  effectiveSettings,
  SOURCE_KINDS,
  type SourceKind,
  sourceKind,
} from './effective.ts';
export { CONFIG_FILE_VAR, CONFIG_JSON_VAR, ENV_ALIASES, type EnvAlias } from './env.ts';
export { ConfigError, type ConfigProblem, type ConfigWarning, formatWarning } from './errors.ts';
export {
  type ConfigSources,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  loadConfigWithSources,
} from './load.ts';
export { redactConfig } from './redact.ts';
export {
  configSchema,
  defaultConfig,
  type Severity,
  type VigilConfig,
  type VigilConfigInput,
} from './schema.ts';
