const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function daysInMonth(year: number, month: number): number {
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/** Parses an RFC 3339 timestamp or epoch milliseconds; returns null when it is neither. */
export function parseTimestamp(value: string | number): number | null {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : null;
  }
  // Date.parse accepts many loose forms; require the RFC 3339 shape with an explicit zone.
  const m = RFC3339.exec(value);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date.parse rolls impossible dates forward (Feb 30 becomes Mar 2): refuse them instead.
  // Leap seconds (:60) are refused too; no clock that reports job times produces them.
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.parse(value);
  // Before 1970 is refused as it is for epoch milliseconds: no job ran then.
  return Number.isNaN(ms) || ms < 0 ? null : ms;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

export const HOUR_MS = 3_600_000;

export function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}
