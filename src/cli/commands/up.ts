import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { createLoadGenerator } from '../../simulator/load-generator.ts';
import { SIMULATED_TOPICS } from '../../simulator/topics.ts';
import { isPostgresUrl } from '../../store/database-url.ts';
import { announce } from '../announce.ts';
import { loadedConfigFor, loggerFor } from '../options.ts';
import { positiveInt } from '../parse.ts';
import { untilSignal } from '../signals.ts';
import { upBanner, upFields } from './up-banner.ts';

const SHA256_CHAIN = fileURLToPath(new URL('../../../examples/adapters/sha256-chain.mjs', import.meta.url));

/**
 * The topic `vigil up`'s autoscaler sizes: served by no simulated node, only by the `vigil
 * worker` processes the autoscaler starts (the `batch-pool` target), and fed in bursts by a
 * tenant of its own, so the pool grows with each burst and shrinks back to none after it.
 */
export const UP_BATCH_TOPIC = {
  name: 'batch',
  description:
    'a chain of SHA-256 rounds, in bursts (a process per job; served by the autoscaled batch-pool)',
  adapter: { kind: 'command' as const, command: process.execPath, args: [SHA256_CHAIN] },
  timeout_ms: 10_000,
  max_attempts: 3,
  deadline_ms: 60_000,
  price_per_unit: '0.0002',
};

/** `vigil up`'s scaled target: batch-pool, local worker processes sized to the batch topic's backlog. */
export const UP_AUTOSCALER = {
  enabled: true,
  tick_interval_ms: 2_000,
  stale_after_ms: 30_000,
  targets: [
    {
      name: 'batch-pool',
      topic: 'batch',
      concurrency: 2,
      min_replicas: 0,
      max_replicas: 4,
      deployer: {
        kind: 'process' as const,
        state_dir: './data/vigil-up-autoscaler',
        worker: { heartbeat_interval_ms: 2_000, claim_wait_ms: 2_000, drain_timeout_ms: 5_000 },
      },
      // Each burst done within 10 s of its submission; a job (a process of its own) takes about
      // a third of a second until one is measured, and a new worker takes a few seconds to claim.
      policies: [{ kind: 'backlog' as const, deadline_s: 10, service_s: 0.3, startup_s: 4, headroom: 0.1 }],
      scale_down: { stabilization_s: 30 },
      drain_timeout_ms: 8_000,
    },
  ],
};

/**
 * `vigil up`'s own defaults: time compressed about 700-fold, so that a new user watches
 * violations open and resolve within minutes. Every value can still be overridden by a
 * config file, the environment or flags.
 */
export const UP_PROFILE = {
  port: 8080,
  database_url: './data/vigil-up.db',
  log_format: 'pretty',
  log_level: 'info',
  sla: {
    slice_s: 5,
    uptime_window_s: 120,
    collection_interval_s: 10,
    completion_window_s: 180,
    liveness_timeout_s: 15,
    response_time_sample_size: 50,
  },
  // Two-minute epochs settled 20 s after they end: the first settlement with peers' reports
  // is there within a few minutes. Small groups keep 50 agents in one process light.
  epochs: { length_s: 120, report_window_s: 20 },
  monitoring: { group_size: 8, probe_interval_s: 10, probe_timeout_ms: 2000, interim_period_s: 30 },
  auth: { signing_key_path: './data/vigil-up-coordinator.key' },
  // Three topics the simulated nodes really compute (a command, a module and an HTTP adapter);
  // short leases so a flapping node's jobs are re-run elsewhere within seconds.
  topics: [...SIMULATED_TOPICS, UP_BATCH_TOPIC],
  queue: { lease_ms: 6000, recover_interval_ms: 1000, reconcile_interval_s: 30 },
  // Retention compressed with time, so a run left going for days stays the same size once
  // warm: an hour of raw data (a month at this speed; the SLA windows are minutes long), six
  // hours of rollups, the audit log and monitors' reports, pruned every 5 minutes.
  retention: { raw_days: 1 / 24, rollup_days: 0.25, prune_interval_s: 300 },
  // Capacity in 5-second intervals: the simulated tenants' day is two minutes (24 intervals),
  // their week 14 (168), so a forecast with a daily season is there after ten minutes and
  // with the weekly one after about an hour; it looks 144 intervals (six days) ahead.
  capacity: {
    interval_s: 5,
    sample_interval_s: 1,
    seasons: [24, 168],
    forecast_horizon_h: 0.2,
    history_h: 6,
  },
  autoscaler: UP_AUTOSCALER,
};

const BIN = fileURLToPath(new URL('../../../bin/vigil.js', import.meta.url));
const UP_LABEL = 'vigil up';

export function upCommand(): Command {
  const cmd = new Command('up')
    .description('run a whole network on this machine: coordinator on embedded SQLite and a simulated fleet')
    .option('--port <n>', 'API port (default 8080)')
    .option('--nodes <n>', 'simulated nodes', positiveInt('nodes'), 50)
    .option(
      '--database-url <url>',
      `postgres://… or a SQLite file path (default ${UP_PROFILE.database_url})`,
    );
  cmd.action(async (opts: { port?: string; nodes: number; databaseUrl?: string }) => {
    const loaded = loadedConfigFor(cmd, { port: opts.port, database_url: opts.databaseUrl }, UP_PROFILE);
    const { config } = loaded;
    const sources = new Map(loaded.sources);
    // The coordinator key and the agents' keys live beside an embedded database unless the
    // key path was set explicitly: one directory holds the whole run.
    if (
      config.auth.signing_key_path === UP_PROFILE.auth.signing_key_path &&
      !isPostgresUrl(config.database_url)
    ) {
      config.auth.signing_key_path = join(dirname(config.database_url), 'vigil-up-coordinator.key');
      sources.set('auth.signing_key_path', 'profile (beside database_url)');
      for (const target of config.autoscaler.targets) {
        if (
          target.deployer.kind === 'process' &&
          target.deployer.state_dir === UP_AUTOSCALER.targets[0]?.deployer.state_dir
        ) {
          target.deployer.state_dir = join(dirname(config.database_url), 'vigil-up-autoscaler');
        }
      }
    }
    const log = loggerFor(config);
    const { startCoordinator } = await import('../../coordinator/server.ts');
    const { createApiKey } = await import('../../coordinator/auth/keys.ts');
    const { revokeKeysLabelled } = await import('../../store/repositories/api-keys.ts');
    const coordinator = await startCoordinator(config, { log, configSources: sources });
    const base = coordinator.url.replace('://[::1]', '://127.0.0.1');

    // Keys from an earlier run are revoked: each run prints the only ones that work.
    await revokeKeysLabelled(coordinator.store.db, UP_LABEL, Date.now());
    const admin = await createApiKey(coordinator.store.db, 'admin', UP_LABEL);
    // Reads need a key, as on any coordinator: the banner shows one for curl and Prometheus.
    const reader = await createApiKey(coordinator.store.db, 'read', UP_LABEL);
    // Operator, not node: the fleet re-points its nodes' health and agent URLs on every run.
    const fleetKey = await createApiKey(coordinator.store.db, 'operator', UP_LABEL);
    const peersDir = join(dirname(config.auth.signing_key_path), 'vigil-up-agents');
    // The autoscaler's worker processes register their nodes with a key of their own and talk
    // to this coordinator, wherever it listens.
    const scalerKey = await createApiKey(coordinator.store.db, 'operator', UP_LABEL);
    config.autoscaler.coordinator_url = base;
    config.autoscaler.worker_api_key ??= scalerKey.key;
    const { startAutoscalerBeside } = await import('../autoscaler-beside.ts');
    await startAutoscalerBeside(coordinator, config, log, { stopReplicasOnClose: true });
    const batchLoad = createLoadGenerator({
      coordinatorUrl: base,
      apiKey: fleetKey.key,
      log,
      // A whole burst is submitted at once, not the generator's usual trickle of 32 in flight.
      maxInFlight: 512,
      tenants: config.topics.some((t) => t.name === UP_BATCH_TOPIC.name)
        ? [
            {
              tenantId: 'initech',
              topics: [{ topic: UP_BATCH_TOPIC.name, payload: 'sha256-chain' }],
              ratePerSecond: 0,
              burstEveryMs: 90_000,
              firstBurstAfterMs: 10_000,
              burstSize: 300,
            },
          ]
        : [],
    });
    batchLoad.start();

    const simulator = spawn(
      process.execPath,
      [BIN, 'simulate', '--coordinator', base, '--nodes', String(opts.nodes), '--peers-dir', peersDir],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, VIGIL_SIMULATOR_KEY: fleetKey.key } },
    );
    const simulatorExited = new Promise<void>((resolve) => simulator.once('exit', () => resolve()));

    const summary = {
      base,
      config,
      dialect: coordinator.store.capabilities.dialectName,
      nodes: opts.nodes,
      adminKey: admin.key,
      readKey: reader.key,
      // Opens the dashboard signed in as admin, once, with no key to copy.
      signInUrl: `${base}/auth/sign-in?token=${(await coordinator.sessions.link(admin.id)).token}`,
      dashboard: config.dashboard.enabled,
    };
    announce(config.log_format, log, {
      msg: 'vigil is up',
      fields: upFields(summary),
      text: upBanner(summary),
    });

    const reason = await Promise.race([
      untilSignal(),
      simulatorExited.then(() => 'simulator exited' as const),
    ]);
    log.info({ reason }, 'stopping');
    await batchLoad.stop();
    if (simulator.exitCode === null) simulator.kill('SIGTERM');
    await simulatorExited;
    await coordinator.close();
    // A fleet that died on its own is a failure to report, not a clean stop.
    if (reason === 'simulator exited') {
      throw new Error(
        `the simulated fleet exited unexpectedly (${simulator.signalCode ?? `code ${simulator.exitCode}`})`,
      );
    }
  });
  return cmd;
}
