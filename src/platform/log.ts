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

/** JSON lines by default (what log shippers want); `pretty` for a person at a terminal. */
export function createLogger({ level, format }: { level: LogLevel; format: LogFormat }): pino.Logger {
  return format === 'pretty'
    ? pino({
        level,
        transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss' } },
      })
    : pino({ level });
}

export const silentLogger: Logger = pino({ level: 'silent' });
