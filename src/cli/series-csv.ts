// The series `vigil forecast` reads: `timestamp,value` lines (ISO 8601, or epoch seconds or
// milliseconds) or one value per line, with an optional header; a field may be in double quotes. Timestamps are placed on the
// grid of --interval-s from the first one; a gap becomes missing intervals, and a timestamp
// off the grid, repeated or going backwards is an error naming its line, since guessing where
// it belongs would forecast from data nobody measured.

/** How the input wrote its timestamps, so the forecast's continue in the same form. */
export type TimeFormat = 'iso' | 'epoch_s' | 'epoch_ms';

export interface SeriesInput {
  values: (number | null)[];
  /** The first interval's time and the form of the input's timestamps; null for a values-only file. */
  time: { start_ms: number; format: TimeFormat } | null;
}

/** Intervals a file may span, gaps included, before it is refused (about 10 years at one a minute). */
const MAX_INTERVALS = 5_000_000;
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EPOCH = /^-?\d+(?:\.\d+)?$/;
const MISSING = new Set(['', 'nan', 'na', 'null']);

function parseValue(text: string, line: number): number | null {
  if (MISSING.has(text.toLowerCase())) return null;
  const n = Number(text);
  if (!Number.isFinite(n))
    throw new Error(`line ${line}: value "${text}" is not a number (leave it empty for a missing one)`);
  return n;
}

/** A timestamp in UTC ms and its form, or null when the text is none (a header). ISO without a zone is UTC. */
function parseTime(text: string): { ms: number; format: TimeFormat } | null {
  if (EPOCH.test(text)) {
    const n = Number(text);
    // Below 1e11 it is seconds (1e11 s is the year 5138; 1e11 ms is 1973).
    return Math.abs(n) < 1e11
      ? { ms: Math.round(n * 1000), format: 'epoch_s' }
      : { ms: Math.round(n), format: 'epoch_ms' };
  }
  const m = ISO.exec(text);
  if (m === null) return null;
  const ms = Date.parse(
    m[1] === undefined && text.length > 10 ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T'),
  );
  return Number.isNaN(ms) ? null : { ms, format: 'iso' };
}

/** Reads a series from CSV text on a grid of `interval_s` seconds; throws with the line at fault. */
export function parseSeriesCsv(text: string, interval_s: number): SeriesInput {
  const rows = text
    .split(/\r?\n/)
    .map((raw, i) => ({ line: i + 1, fields: raw.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1')) }))
    .filter(({ fields }) => !(fields.length === 1 && fields[0] === '') && !fields[0]?.startsWith('#'));
  const first = rows[0];
  if (first === undefined) throw new Error('the input has no values');
  const columns = first.fields.length;
  if (columns > 2) throw new Error(`line ${first.line}: expected "timestamp,value" or one value per line`);
  // A first row that does not parse is a header.
  const headed =
    columns === 1
      ? !EPOCH.test(first.fields[0]!) && !MISSING.has(first.fields[0]!.toLowerCase())
      : parseTime(first.fields[0]!) === null;
  const data = headed ? rows.slice(1) : rows;
  if (data.length === 0) throw new Error('the input has a header and no values');
  for (const row of data)
    if (row.fields.length !== columns)
      throw new Error(`line ${row.line}: ${row.fields.length} fields where the first row has ${columns}`);
  if (columns === 1) return { values: data.map((row) => parseValue(row.fields[0]!, row.line)), time: null };

  const interval_ms = interval_s * 1000;
  const values: (number | null)[] = [];
  let start: { ms: number; format: TimeFormat } | null = null;
  for (const { line, fields } of data) {
    const time = parseTime(fields[0]!);
    if (time === null)
      throw new Error(
        `line ${line}: "${fields[0]}" is not an ISO 8601 time or epoch seconds or milliseconds`,
      );
    start ??= time;
    if (time.format !== start.format)
      throw new Error(`line ${line}: "${fields[0]}" is written differently from the first timestamp`);
    const offset = time.ms - start.ms;
    if (offset % interval_ms !== 0)
      throw new Error(
        `line ${line}: ${fields[0]} is not a whole number of --interval-s ${interval_s} after the first timestamp`,
      );
    const index = offset / interval_ms;
    if (index < values.length)
      throw new Error(
        `line ${line}: ${fields[0]} ${index === values.length - 1 ? 'repeats' : 'comes before'} an earlier timestamp`,
      );
    if (index >= MAX_INTERVALS)
      throw new Error(`line ${line}: ${fields[0]} is more than ${MAX_INTERVALS} intervals after the first`);
    while (values.length < index) values.push(null);
    values.push(parseValue(fields[1]!, line));
  }
  return { values, time: start === null ? null : { start_ms: start.ms, format: start.format } };
}

/** The text of the time `step` intervals after the input's last, in the input's own form. */
export function timeText(time: NonNullable<SeriesInput['time']>, ms: number): string {
  if (time.format === 'iso') return new Date(ms).toISOString();
  return time.format === 'epoch_s' ? String(ms / 1000) : String(ms);
}
