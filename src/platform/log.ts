import pino from 'pino';

/** The slice of pino that Vigil's modules use; tests can pass any object of this shape. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'json' | 'pretty';

/** The shape of every JSON log line: the level by name, the time in ISO 8601. */
const JSON_LINES = {
  formatters: { level: (label: string) => ({ level: label }) },
  timestamp: pino.stdTimeFunctions.isoTime,
} satisfies pino.LoggerOptions;

/**
 * JSON lines by default (what log shippers want); `pretty` for a person at a terminal.
 * A JSON line names its level (`"level":"warn"`) and carries an ISO 8601 UTC time, because
 * Loki, Elasticsearch, Vector and journald parsers match those without a mapping table for
 * pino's numbers and epoch milliseconds (decision 0060).
 */
export function createLogger({ level, format }: { level: LogLevel; format: LogFormat }): pino.Logger {
  return format === 'pretty'
    ? pino({
        level,
        transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } },
      })
    : pino({ level, ...JSON_LINES });
}

export const silentLogger: Logger = pino({ level: 'silent' });
