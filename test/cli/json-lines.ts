import { expect } from 'vitest';
import { lines } from './support.ts';

export interface LogEntry {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * Every line of `stdout` as a log pipeline reads it: each one a JSON object with the level by
 * name and an ISO 8601 UTC time (decision 0060). Fails naming the first line that is not.
 */
export function jsonLogLines(stdout: string): LogEntry[] {
  return lines(stdout).map((line) => {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      throw new Error(`a stdout line is not JSON: ${line}`);
    }
    expect(LEVELS, line).toContain(entry.level);
    expect(entry.time, line).toMatch(ISO_UTC);
    expect(typeof entry.msg, line).toBe('string');
    return entry;
  });
}
