import { join } from 'node:path';
import { defaultConfig, type VigilConfig } from '../../src/config/schema.ts';
import { createApiKey } from '../../src/coordinator/auth/keys.ts';
import { type RunningCoordinator, startCoordinator } from '../../src/coordinator/server.ts';
import { silentLogger } from '../../src/platform/log.ts';

export interface ShortEpochNetwork {
  coordinator: RunningCoordinator;
  /** The config it runs with, its port fixed once known, so a restart comes back on the same URL. */
  config: VigilConfig;
  base: string;
  /** An operator key that registers the network's nodes. */
  apiKey: string;
  /** Epoch 1: starts about `leadS` s from now, so a network registered by then is all its members. */
  epochStart: number;
  epochEnd: number;
}

/**
 * A real coordinator on SQLite in `dir`, with epochs of `epochS` seconds and one-second probes.
 * Epoch 0 ends about `leadS` (3) s from now: nodes registered before then are epoch 1's members, and
 * epoch 1's groups are published when the empty epoch 0 settles, `windowS` into epoch 1.
 */
export async function startShortEpochs(
  dir: string,
  {
    epochS,
    windowS,
    adjust = () => {},
    leadS = 3,
  }: {
    epochS: number;
    windowS: number;
    adjust?: (c: VigilConfig) => void;
    /** Seconds until epoch 1 starts: the time the test has to register its nodes. */
    leadS?: number;
  },
): Promise<ShortEpochNetwork> {
  const epochStart = Math.ceil((Date.now() + leadS * 1000) / 1000) * 1000;
  const config = defaultConfig();
  config.port = 0;
  config.database_url = join(dir, 'vigil.db');
  config.auth.signing_key_path = join(dir, 'coordinator.key');
  config.epochs.genesis = new Date(epochStart - epochS * 1000).toISOString();
  config.epochs.length_s = epochS;
  config.epochs.report_window_s = windowS;
  config.monitoring.probe_interval_s = 1;
  config.monitoring.probe_timeout_ms = 1_000;
  adjust(config);
  const coordinator = await startCoordinator(config, { log: silentLogger });
  const base = coordinator.url.replace('://[::1]', '://127.0.0.1');
  config.port = Number(new URL(base).port);
  const apiKey = (await createApiKey(coordinator.store.db, 'operator', 'network test')).key;
  return { coordinator, config, base, apiKey, epochStart, epochEnd: epochStart + epochS * 1000 };
}
