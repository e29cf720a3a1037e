import type { LogFormat, Logger } from '../platform/log.ts';

/**
 * What a long-running command says once it runs (where to look, which keys to use): lines of
 * text for a person at a terminal, or, with JSON logs, one info line carrying the same facts
 * as fields. A log pipeline reads stdout as JSON lines, and Docker, Kubernetes and journald
 * collect stderr into the same stream, so neither may carry free text in JSON mode
 * (decision 0060).
 */
export function announce(
  format: LogFormat,
  log: Logger,
  { msg, fields, text }: { msg: string; fields: Record<string, unknown>; text: string },
): void {
  if (format === 'json') log.info(fields, msg);
  else process.stdout.write(text);
}
