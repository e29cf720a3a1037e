import { SourceConfigError } from './source.ts';

/** `url` parsed, with one of `protocols` (`'http:'`, `'ws:'` …); a SourceConfigError otherwise. */
export function requireUrl(source: string, field: string, value: unknown, protocols: readonly string[]): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SourceConfigError(source, field, 'is required (a URL)');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SourceConfigError(source, field, `is not a URL: ${JSON.stringify(redactUrl(value))}`);
  }
  if (!protocols.includes(url.protocol)) {
    const wanted = protocols.map((p) => `${p}//`).join(' or ');
    throw new SourceConfigError(source, field, `must start with ${wanted}, not ${url.protocol}//`);
  }
  return url;
}

/** A whole number of milliseconds of at least `min`, or `fallback` when absent. */
export function requireMs(source: string, field: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new SourceConfigError(
      source,
      field,
      `must be a whole number of milliseconds ≥ ${min}, not ${String(value)}`,
    );
  }
  return value;
}

/** A non-empty string. */
export function requireText(source: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SourceConfigError(source, field, 'must be a non-empty string');
  }
  return value;
}

/** The URL without its password, for messages and logs; the input unchanged when unparsable. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return value.replace(/\/\/[^/@]*@/, '//***@');
  }
}
