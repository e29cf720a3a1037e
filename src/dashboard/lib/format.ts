/** How the dashboard writes numbers, times and durations: pure, so unit-tested. */

const NONE = '—';

export function formatPercent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  return `${value.toFixed(digits)} %`;
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  if (Math.abs(value) < 1_000) return `${Math.round(value)} ms`;
  return formatDuration(value);
}

/** 0 s, 45 s, 3 min 20 s, 2 h 5 min, 3 d 4 h: the two largest units that matter. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  const sign = ms < 0 ? '−' : '';
  let seconds = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3_600);
  seconds -= hours * 3_600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts: [number, string][] = [
    [days, 'd'],
    [hours, 'h'],
    [minutes, 'min'],
    [seconds, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return '0 s';
  const shown = parts.slice(first, first + 2).filter(([n]) => n > 0);
  return sign + shown.map(([n, unit]) => `${n} ${unit}`).join(' ');
}

/** A time as the operator reads it: ISO-like, in UTC, to the second. */
export function formatTime(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return NONE;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** How long ago, from `now`: "12 s ago", "3 min 4 s ago". */
export function formatAgo(value: string | number | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined) return NONE;
  const at = new Date(value).getTime();
  if (Number.isNaN(at)) return NONE;
  return `${formatDuration(Math.max(0, now - at))} ago`;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return NONE;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
