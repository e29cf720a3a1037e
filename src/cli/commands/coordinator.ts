import { Command } from 'commander';
import { databaseUrlOption, loadedConfigFor, loggerFor } from '../options.ts';
import { untilSignal } from '../signals.ts';

export function coordinatorCommand(): Command {
  const cmd = new Command('coordinator')
    .description('run the coordinator: API, SLA collection, retention and alert delivery')
    .option('--port <n>', 'port to listen on (also VIGIL_PORT; default 8080)')
    .option('--host <address>', 'address to listen on (also VIGIL_HOST; default 127.0.0.1)');
  databaseUrlOption(cmd).action(async (opts: { port?: string; host?: string; databaseUrl?: string }) => {
    const { config, sources } = loadedConfigFor(cmd, {
      port: opts.port,
      host: opts.host,
      database_url: opts.databaseUrl,
    });
    const log = loggerFor(config);
    const { startCoordinator } = await import('../../coordinator/server.ts');
    const running = await startCoordinator(config, { log, configSources: sources });
    const { startAutoscalerBeside } = await import('../autoscaler-beside.ts');
    await startAutoscalerBeside(running, config, log);
    await untilSignal();
    log.info({}, 'shutting down');
    await running.close();
  });
  return cmd;
}
