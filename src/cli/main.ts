import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.ts';
import { agentCommand } from './commands/agent.ts';
import { assignmentsCommand } from './commands/assignments.ts';
import { configCommand } from './commands/config.ts';
import { coordinatorCommand } from './commands/coordinator.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { prometheusCommand } from './commands/prometheus.ts';
import { simulateCommand } from './commands/simulate.ts';
import { upCommand } from './commands/up.ts';
import { verifyCommand } from './commands/verify.ts';
import { workerCommand } from './commands/worker.ts';
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
  .addCommand(migrateCommand())
  .addCommand(keysCommand())
  .addCommand(configCommand())
  .addCommand(simulateCommand())
  .addCommand(verifyCommand())
  .addCommand(assignmentsCommand())
  .addCommand(prometheusCommand());
program.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  // Operators get one line saying what is wrong, not a stack trace.
  const message = error instanceof ConfigError ? error.message : ((error as Error).message ?? String(error));
  // Every line names the command, so each stands alone in a log.
  process.stderr.write(
    `${message
      .split('\n')
      .map((line) => `vigil: ${line}`)
      .join('\n')}\n`,
  );
  process.exit(error instanceof ConfigError ? 2 : 1);
}
