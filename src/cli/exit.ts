import { type Command, CommanderError, InvalidArgumentError } from 'commander';
import { AutoscalerStartError } from '../autoscaler/role.ts';
import { ConfigError } from '../config/index.ts';

/**
 * The exit statuses of `vigil` (decision 0061). Scripts and process managers tell "fix the
 * command or its configuration" from "it ran and failed" by these alone, so every error maps
 * to one of them here and nowhere else.
 */
export const EXIT = {
  ok: 0,
  /** It was tried and failed: a port in use, a database or coordinator that cannot be reached, a difference found. */
  failure: 1,
  /** Nothing was tried: the command line or the configuration is wrong, and running it again fails the same way. */
  usage: 2,
} as const;

/** A command line that parses but asks for something that cannot be done, e.g. an option without the one it needs. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Makes every command, not only the root, throw instead of exiting: commander does not pass
 * `exitOverride` on to commands added with `addCommand`, and those would exit 1 by themselves.
 */
export function throwInsteadOfExit(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) throwInsteadOfExit(sub);
  return cmd;
}

/** The exit status for an error that ended the command. */
export function exitCodeFor(error: unknown): number {
  // Commander has already printed its own message; `--help` and `--version` end with 0.
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof ConfigError || error instanceof UsageError) return EXIT.usage;
  if (error instanceof AutoscalerStartError && error.kind === 'configuration') return EXIT.usage;
  return EXIT.failure;
}

/** What to print for an error that ended the command: nothing for commander's, else one `vigil: ` line per line. */
export function messageFor(error: unknown): string {
  // Commander turns a parser's InvalidArgumentError into an error of its own, which it prints;
  // one thrown from anywhere else reaches here unprinted and is said like any other.
  if (error instanceof CommanderError && !(error instanceof InvalidArgumentError)) return '';
  const message = error instanceof Error ? error.message : String(error);
  // Every line names the command, so each stands alone in a log.
  return `${message
    .split('\n')
    .map((line) => `vigil: ${line}`)
    .join('\n')}\n`;
}
