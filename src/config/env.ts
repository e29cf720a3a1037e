import { coerceString } from './coerce.ts';
import { type ConfigProblem, type ConfigWarning, problem } from './errors.ts';
import { type Layer, nestAt } from './merge.ts';
import { allKeys, envNameOf, kindOf, schemaAt } from './paths.ts';
import { closest } from './suggest.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export const CONFIG_FILE_VAR = 'VIGIL_CONFIG_FILE';
export const CONFIG_JSON_VAR = 'VIGIL_CONFIG_JSON';

// Other parts of Vigil (tests, workers, agents) read VIGIL_* variables of their own; those
// are not configuration keys and must not be reported as typos. A double underscore after the
// prefix (`VIGIL_AGENT__PORT`) is a configuration key of that section, not a foreign name.
const FOREIGN_PREFIXES = ['VIGIL_TEST_', 'VIGIL_WORKER_', 'VIGIL_AGENT_'];

export interface EnvAlias {
  env: string;
  key: string;
  /** The alias is in another unit: multiply by `factor` to get the key's unit. */
  scale?: { factor: number; unit: string };
}

/**
 * Names operators of the pool hub already have in their `.env` files, and the logging names
 * pino users expect. They rank below `VIGIL_*`, so a deployment can move over one key at a time.
 */
export const ENV_ALIASES: readonly EnvAlias[] = [
  { env: 'LOG_LEVEL', key: 'log_level' },
  { env: 'LOG_FORMAT', key: 'log_format' },
  { env: 'SLA_UPTIME_THRESHOLD', key: 'sla.thresholds.uptime_pct' },
  { env: 'SLA_RESPONSE_TIME_THRESHOLD', key: 'sla.thresholds.response_time_ms' },
  { env: 'SLA_COMPLETION_RATE_THRESHOLD', key: 'sla.thresholds.completion_rate_pct' },
  { env: 'SLA_CAPACITY_THRESHOLD', key: 'sla.thresholds.capacity_availability_pct' },
  { env: 'SLA_COLLECTION_INTERVAL_SECONDS', key: 'sla.collection_interval_s' },
  { env: 'CAPACITY_FORECAST_HOURS', key: 'capacity.forecast_horizon_h' },
  { env: 'CAPACITY_ALERT_THRESHOLD_PCT', key: 'capacity.alert_threshold_pct' },
  {
    env: 'BILLING_SYNC_INTERVAL_HOURS',
    key: 'billing.sync_interval_s',
    scale: { factor: 3600, unit: 'hours' },
  },
  { env: 'COORDINATOR_BILLING_URL', key: 'billing.url' },
  { env: 'COORDINATOR_API_KEY', key: 'billing.api_key' },
];

export interface EnvLayers {
  /** Seed-guide and logging aliases, each variable its own layer. */
  aliases: Layer[];
  /** `VIGIL_*` variables, sections before the keys inside them so the more specific one wins. */
  vigil: Layer[];
  problems: ConfigProblem[];
  /**
   * `VIGIL_*` names that set no key. A shell environment holds variables of other tools and
   * scripts (a `VIGIL_URL` for curl), so these are warnings, not errors: unknown keys in files
   * and flags, which only Vigil reads, stay errors.
   */
  warnings: ConfigWarning[];
}

function isForeign(name: string): boolean {
  return (
    name === CONFIG_FILE_VAR ||
    name === CONFIG_JSON_VAR ||
    FOREIGN_PREFIXES.some((prefix) => name.startsWith(prefix) && name[prefix.length] !== '_')
  );
}

function readAlias(alias: EnvAlias, raw: string, layers: EnvLayers): void {
  const path = alias.key.split('.');
  const origin = alias.scale
    ? `env ${alias.env}, ${alias.scale.unit} × ${alias.scale.factor}`
    : `env ${alias.env}`;
  const coerced = coerceString(raw, kindOf(schemaAt(path)!));
  if (!coerced.ok) {
    layers.problems.push(problem(path, raw, origin, coerced.expected));
    return;
  }
  const value =
    alias.scale && typeof coerced.value === 'number'
      ? Math.round(coerced.value * alias.scale.factor)
      : coerced.value;
  layers.aliases.push({ origin, data: nestAt(path, value) });
}

function unknownVariable(name: string, knownNames: readonly string[]): ConfigWarning {
  const guess = closest(name, knownNames);
  const hint =
    guess === undefined
      ? '`vigil config print --keys` lists every key and its variable'
      : `did you mean ${guess}?`;
  return { origin: `env ${name}`, message: `names no configuration key and is ignored (${hint})` };
}

/** Turns environment variables into layers, warning about `VIGIL_*` names that set no key. */
export function readEnv(env: Env): EnvLayers {
  const layers: EnvLayers = { aliases: [], vigil: [], problems: [], warnings: [] };

  // An empty value is treated as unset: `.env` templates are full of `NAME=` lines.
  for (const alias of ENV_ALIASES) {
    const raw = env[alias.env];
    if (raw !== undefined && raw !== '') readAlias(alias, raw, layers);
  }

  const knownNames = allKeys().map((key) => envNameOf(key.path));
  const settings: Array<{ path: string[]; layer: Layer }> = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('VIGIL_') || isForeign(name) || raw === undefined || raw === '') continue;
    const origin = `env ${name}`;
    const path = name.slice('VIGIL_'.length).toLowerCase().split('__');
    const schema = schemaAt(path);
    if (!schema) {
      layers.warnings.push(unknownVariable(name, knownNames));
      continue;
    }
    const coerced = coerceString(raw, kindOf(schema));
    if (!coerced.ok) {
      layers.problems.push(problem(path, raw, origin, coerced.expected));
      continue;
    }
    settings.push({ path, layer: { origin, data: nestAt(path, coerced.value) } });
  }
  settings.sort((a, b) => a.path.length - b.path.length || a.layer.origin.localeCompare(b.layer.origin));
  layers.vigil = settings.map((setting) => setting.layer);
  return layers;
}
