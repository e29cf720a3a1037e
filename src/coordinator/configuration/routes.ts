import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { effectiveSettings, SOURCE_KINDS } from '../../config/effective.ts';
import type { ConfigSources } from '../../config/load.ts';
import { redactConfig } from '../../config/redact.ts';
import type { VigilConfig } from '../../config/schema.ts';
import { StringEnum } from '../http/schemas.ts';

const Setting = Type.Object({
  key: Type.String({ description: 'Dotted path, e.g. sla.thresholds.uptime_pct' }),
  value: Type.Unknown({ description: 'The effective value; secrets redacted as `vigil config print` does' }),
  source: StringEnum(
    SOURCE_KINDS,
    'default; profile (vigil up’s own defaults); file; json_env (VIGIL_CONFIG_JSON); env (a VIGIL_* variable or a seed-guide name); flag; unknown (the coordinator was started without its sources)',
  ),
  origin: Type.String({
    description: 'The source as configuration errors name it: `flag port`, `env VIGIL_PORT`…',
  }),
  env: Type.String({ description: 'The VIGIL_* variable that sets the key' }),
});

const ConfigView = Type.Object({
  config: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The effective configuration, secrets redacted: `vigil config print --format json`',
  }),
  settings: Type.Array(Setting, { description: 'Every settable key, in `vigil config print --keys` order' }),
});

export interface ConfigRouteDeps {
  config: VigilConfig;
  /** Where each value came from, as loaded at start-up; absent when the config was built in code. */
  sources?: ConfigSources;
}

/** `GET /config`: what this coordinator runs with and why, secrets redacted (decision 0078). */
export function configRoutes(app: FastifyInstance, { config, sources }: ConfigRouteDeps): void {
  app.get(
    '/config',
    {
      config: { access: ['operator'] },
      schema: {
        tags: ['configuration'],
        summary: 'The effective configuration, secrets redacted, with where each value came from',
        response: { 200: ConfigView },
      },
    },
    async () => ({
      config: redactConfig(config) as Record<string, unknown>,
      settings: effectiveSettings(config, sources),
    }),
  );
}
