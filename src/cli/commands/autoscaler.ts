import { createServer } from 'node:http';
import { Command } from 'commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { UsageError } from '../exit.ts';
import { databaseUrlOption, loadedConfigFor, loggerFor } from '../options.ts';
import { untilSignal } from '../signals.ts';

/**
 * `vigil autoscaler`: the autoscaler as its own process, on the coordinator's store. Any
 * number may run: one acts at a time (the store's lease), the others stand by.
 */
export function autoscalerCommand(): Command {
  const cmd = new Command('autoscaler')
    .description(
      'keep scaled targets sized to their backlog and deadlines through their deployers (autoscaler.targets; see docs/autoscaler.md); one acts per store, others stand by',
    )
    .option('--metrics-port <n>', 'serve /metrics on this port (0 picks one); none by default')
    .option('--metrics-host <address>', 'address of /metrics (default 127.0.0.1)');
  databaseUrlOption(cmd).action(
    async (opts: { databaseUrl?: string; metricsPort?: string; metricsHost?: string }) => {
      const { config } = loadedConfigFor(cmd, { database_url: opts.databaseUrl });
      if (config.autoscaler.targets.length === 0) {
        throw new UsageError('no scaled targets: declare them under autoscaler.targets (docs/autoscaler.md)');
      }
      const metricsPort = opts.metricsPort === undefined ? null : Number(opts.metricsPort);
      if (
        metricsPort !== null &&
        !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65_535)
      ) {
        throw new UsageError(`--metrics-port must be a port number (0–65535), not ${opts.metricsPort}`);
      }
      const log = loggerFor(config);
      const signalled = untilSignal();
      const { openStore } = await import('../../store/store.ts');
      const { openQueue } = await import('../../queue/index.ts');
      const { startAutoscalerRole } = await import('../../autoscaler/role.ts');
      const { listen } = await import('../../platform/listen.ts');
      const store = openStore({ databaseUrl: config.database_url });
      const closers: Array<() => Promise<void>> = [() => store.close()];
      const closeAll = async () => {
        for (const close of closers.splice(0).reverse()) await close().catch(() => {});
      };
      try {
        await store.migrate();
        const queue = await openQueue(config.queue, store, { log: log.child({ component: 'queue' }) });
        closers.push(() => queue.close());
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        const autoscaler = await startAutoscalerRole({ store, queue, config, registry, log });
        closers.push(() => autoscaler.stop());
        if (metricsPort !== null) {
          const server = createServer((req, res) => {
            if (req.url !== '/metrics') {
              res.writeHead(404).end();
              return;
            }
            registry
              .metrics()
              .then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text))
              .catch(() => res.writeHead(500).end());
          });
          const listening = await listen(server, metricsPort, opts.metricsHost ?? '127.0.0.1');
          closers.push(() => listening.close());
          log.info({ metrics: `${listening.url}/metrics` }, 'autoscaler metrics');
        }
        log.info(
          { holder: autoscaler.holder, targets: config.autoscaler.targets.map((t) => t.name) },
          'autoscaler started',
        );
        await signalled;
        log.info({}, 'autoscaler stopping; replicas keep running');
      } finally {
        await closeAll();
      }
    },
  );
  return cmd;
}
