import { Command } from 'commander';
import { createLogger } from '../../platform/log.ts';
import { logSettings } from '../log-settings.ts';
import { untilSignal } from '../signals.ts';

export function workerCommand(): Command {
  const cmd = new Command('worker')
    .description(
      "run this node's workers: claim jobs of their topics, run them through adapters, report results; configured by VIGIL_WORKER_CONFIG_JSON or VIGIL_WORKER_CONFIG_FILE (see docs/worker.md)",
    )
    .option('--config-file <file>', 'the worker configuration (JSON), as VIGIL_WORKER_CONFIG_FILE names it');
  cmd.action(async (opts: { configFile?: string }) => {
    const { loadWorkerConfig } = await import('../../worker/config.ts');
    // A bad configuration is one line and exit 2 before anything starts (main prints ConfigError).
    const { config, source, baseDir } = loadWorkerConfig(process.env, {
      ...(opts.configFile === undefined ? {} : { file: opts.configFile }),
    });
    const log = createLogger(logSettings(cmd));
    // Listening first: a SIGTERM during start-up still drains cleanly.
    const signalled = untilSignal();
    const { startWorkerHost } = await import('../../worker/host.ts');
    log.info({ source }, 'worker configuration loaded');
    const host = await startWorkerHost(config, { log, baseDir, defaultMetrics: true });
    if (host.keyCreated) {
      log.warn(
        { key_path: host.keyPath },
        'created a node key; back it up: a node that loses its key can no longer sign for itself',
      );
    }
    const signal = await signalled;
    await host.stop(signal);
  });
  return cmd;
}
