import { Command } from 'commander';
import { agentCommand } from './commands/agent.ts';
import { assignmentsCommand } from './commands/assignments.ts';
import { autoscalerCommand } from './commands/autoscaler.ts';
import { configCommand } from './commands/config.ts';
import { coordinatorCommand } from './commands/coordinator.ts';
import { forecastCommand } from './commands/forecast.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { prometheusCommand } from './commands/prometheus.ts';
import { simulateCommand } from './commands/simulate.ts';
import { upCommand } from './commands/up.ts';
import { verifyCommand } from './commands/verify.ts';
import { workerCommand } from './commands/worker.ts';
import { exitCodeFor, messageFor, throwInsteadOfExit } from './exit.ts';
import { addGlobalOptions } from './options.ts';

const program = addGlobalOptions(
  new Command('vigil')
    .description('Keeps a decentralized network of compute nodes honest and sized right')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)'),
);
program
  .addCommand(upCommand())
  .addCommand(coordinatorCommand())
  .addCommand(agentCommand())
  .addCommand(workerCommand())
  .addCommand(autoscalerCommand())
  .addCommand(migrateCommand())
  .addCommand(keysCommand())
  .addCommand(configCommand())
  .addCommand(simulateCommand())
  .addCommand(verifyCommand())
  .addCommand(assignmentsCommand())
  .addCommand(prometheusCommand())
  .addCommand(forecastCommand());
throwInsteadOfExit(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Operators get one line saying what is wrong, not a stack trace, and an exit status that
  // tells a wrong command line or configuration (2) from a failure while running (1).
  process.stderr.write(messageFor(error));
  process.exit(exitCodeFor(error));
}
