import type { z } from 'zod';
import { valueAt } from './merge.ts';
import { dottedKey, envNameOf, leafKeys } from './paths.ts';
import { defaultConfig } from './schema.ts';

export interface ConfigKeyDescription {
  /** Dotted path, e.g. `sla.thresholds.uptime_pct`. */
  key: string;
  /** The `VIGIL_*` environment variable that sets it. */
  env: string;
  default: unknown;
  description: string;
}

/** A key's own default: for a key inside a section that is null by default, what it gets once the section is set. */
function defaultOf(schema: z.ZodType): unknown {
  const parsed = schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

/** Every settable key with its environment variable, default and meaning, for docs and `vigil config print --keys`. */
export function describeConfigKeys(): ConfigKeyDescription[] {
  const defaults = defaultConfig();
  return leafKeys().map(({ path, schema }) => ({
    key: dottedKey(path),
    env: envNameOf(path),
    default: valueAt(defaults, path) ?? defaultOf(schema),
    description: schema.description ?? '',
  }));
}
