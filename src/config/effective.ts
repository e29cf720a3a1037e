import { isDeepStrictEqual } from 'node:util';
import { CONFIG_JSON_VAR } from './env.ts';
import type { ConfigSources } from './load.ts';
import { originOf, valueAt } from './merge.ts';
import { dottedKey, envNameOf, leafKeys } from './paths.ts';
import { redactAt } from './redact.ts';
import { defaultConfig, type VigilConfig } from './schema.ts';

/** The kinds of source a value can come from, lowest precedence first. */
export const SOURCE_KINDS = ['default', 'profile', 'file', 'json_env', 'env', 'flag', 'unknown'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** One key of the effective configuration: its value, safe to show, and where it came from. */
export interface EffectiveSetting {
  /** Dotted path, e.g. `sla.thresholds.uptime_pct`. */
  key: string;
  /** Secrets redacted as `vigil config print` redacts them. */
  value: unknown;
  source: SourceKind;
  /** The source as load errors name it: `flag port`, `env VIGIL_PORT`, `file ./vigil.yaml`, `default`. */
  origin: string;
  /** The `VIGIL_*` variable that sets it. */
  env: string;
}

/** The kind of an origin as the loader writes them (load.ts, env.ts, sources.ts). */
export function sourceKind(origin: string): SourceKind {
  if (origin === 'default') return 'default';
  if (origin === 'profile' || origin.startsWith('profile ')) return 'profile';
  if (origin.startsWith('file ')) return 'file';
  if (origin === `env ${CONFIG_JSON_VAR}`) return 'json_env';
  if (origin.startsWith('env ')) return 'env';
  if (origin.startsWith('flag ')) return 'flag';
  return 'unknown';
}

/**
 * Every settable key with its value and source. Without `sources` (a configuration built in
 * code, as tests do) a value equal to its default is `default` and any other is `unknown`:
 * the value is known, where it came from is not.
 */
export function effectiveSettings(config: VigilConfig, sources?: ConfigSources): EffectiveSetting[] {
  const defaults = sources === undefined ? defaultConfig() : undefined;
  return leafKeys().map(({ path }) => {
    const value = valueAt(config, path) ?? null;
    let origin: string;
    if (sources !== undefined) origin = originOf(sources, path);
    else origin = isDeepStrictEqual(value, valueAt(defaults, path) ?? null) ? 'default' : 'unknown';
    return {
      key: dottedKey(path),
      value: redactAt(path, value),
      source: sourceKind(origin),
      origin,
      env: envNameOf(path),
    };
  });
}
