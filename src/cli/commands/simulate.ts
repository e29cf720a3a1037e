import { Command } from 'commander';
import { UsageError } from '../exit.ts';
import { logSettings } from '../log-settings.ts';
import { positiveInt } from '../parse.ts';
import { untilSignal } from '../signals.ts';

export function simulateCommand(): Command {
  const cmd = new Command('simulate')
    .description('run a simulated fleet against a coordinator over HTTP (flapping, slow and failing nodes)')
    .requiredOption('--coordinator <url>', 'coordinator base URL, e.g. http://127.0.0.1:8080')
    .option('--key <api-key>', 'API key with the node or operator role (also VIGIL_SIMULATOR_KEY)')
    .option('--nodes <n>', 'how many nodes', positiveInt('nodes'), 50)
    .option(
      '--heartbeat-interval-ms <ms>',
      'heartbeat interval per node',
      positiveInt('heartbeat-interval-ms'),
      2_000,
    )
    .option(
      '--fault-period-s <s>',
      'a faulty node misbehaves once per period',
      positiveInt('fault-period-s'),
      240,
    )
    .option('--fault-duration-s <s>', 'for this long', positiveInt('fault-duration-s'), 60)
    .option('--seed <n>', 'seed for a reproducible fleet', positiveInt('seed'), 1)
    .option(
      '--peers-dir <dir>',
      'run an agent and a health endpoint per node, keys and probe logs under this directory (needs an operator key)',
    );
  cmd.action(
    async (opts: {
      coordinator: string;
      key?: string;
      nodes: number;
      heartbeatIntervalMs: number;
      faultPeriodS: number;
      faultDurationS: number;
      seed: number;
      peersDir?: string;
    }) => {
      const apiKey = opts.key ?? process.env.VIGIL_SIMULATOR_KEY;
      if (apiKey === undefined)
        throw new UsageError('give the simulator an API key with --key or VIGIL_SIMULATOR_KEY');
      const { createLogger } = await import('../../platform/log.ts');
      const { runFleet } = await import('../../simulator/fleet.ts');
      const log = createLogger(logSettings(cmd)).child({ component: 'simulator' });
      const abort = new AbortController();
      const fleet = runFleet({
        coordinatorUrl: opts.coordinator.replace(/\/$/, ''),
        apiKey,
        nodes: opts.nodes,
        heartbeatIntervalMs: opts.heartbeatIntervalMs,
        outcomeIntervalMs: 5_000,
        jobsPerSecond: 1,
        schedule: { periodMs: opts.faultPeriodS * 1000, badMs: opts.faultDurationS * 1000 },
        seed: opts.seed,
        log,
        signal: abort.signal,
        ...(opts.peersDir === undefined ? {} : { peers: { dataDir: opts.peersDir } }),
      });
      await Promise.race([untilSignal(), fleet]);
      abort.abort();
      await fleet;
    },
  );
  return cmd;
}
