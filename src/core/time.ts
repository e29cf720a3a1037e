/** Parses an RFC 3339 timestamp or epoch milliseconds; returns null when it is neither. */
export function parseTimestamp(value: string | number): number | null {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  }
  // Date.parse accepts many loose forms; require the RFC 3339 shape with an explicit zone.
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

export const HOUR_MS = 3_600_000;

export function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}
