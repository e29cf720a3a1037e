import { decodeBase64url } from '../crypto/base64url.ts';
import { MAX_LATENCY_MS, sketchKeyRange } from './sketch.ts';
import type { Report, SignedReport } from './types.ts';

/** The registry's node id rule: letters, digits and . _ : -, starting with a letter or digit, ≤ 128. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** A report or signed report that is not well formed; `issues` lists every problem found, with its path. */
export class ReportValidationError extends Error {
  override name = 'ReportValidationError';
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    const shown = issues.slice(0, 5).join('; ');
    const more = issues.length > 5 ? `; and ${issues.length - 5} more` : '';
    super(`malformed report: ${shown}${more}`);
    this.issues = issues;
  }
}

const MAX_ISSUES = 50;

type Issues = string[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Checks the members are exactly `keys`: a signature covers every member, so extras are refused too. */
function objectWith(
  value: unknown,
  keys: readonly string[],
  path: string,
  issues: Issues,
): value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    issues.push(`${path}: must be an object, got ${show(value)}`);
    return false;
  }
  for (const key of keys) if (!Object.hasOwn(value, key)) issues.push(`${path}.${key}: missing`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) issues.push(`${path}: unknown member ${JSON.stringify(key)}`);
  }
  return true;
}

function count(value: unknown, path: string, issues: Issues, min = 0): value is number {
  if (Number.isSafeInteger(value) && (value as number) >= min) return true;
  issues.push(`${path}: must be an integer ≥ ${min}, got ${show(value)}`);
  return false;
}

function nodeId(value: unknown, path: string, issues: Issues): value is string {
  if (typeof value === 'string' && NODE_ID_PATTERN.test(value)) return true;
  issues.push(`${path}: must be a node id (letters, digits and . _ : -, at most 128), got ${show(value)}`);
  return false;
}

/** Plain decimal notation with at most three digits after the point. */
const WHOLE_MICROS_FORM = /^\d+(\.\d{1,3})?$/;

/**
 * True when a latency in ms is whole microseconds: its shortest round-trip decimal form (the
 * form RFC 8785 writes, and so the one the signature covers) has at most three decimal places.
 * Settlement then reads it as an exact integer of microseconds, in any language.
 */
export function isWholeMicros(ms: number): boolean {
  return WHOLE_MICROS_FORM.test(String(ms));
}

const REPORT_KEYS = ['version', 'epoch', 'monitor', 'created_at_ms', 'probe_interval_s', 'targets'];
const TARGET_KEYS = [
  'target',
  'samples',
  'up_samples',
  'downtime_intervals',
  'mean_latency_ms',
  'latency_sketch',
];
/** Version 2 adds the low-quantile latency settlement uses (`low-latency.ts`). */
const TARGET_KEYS_V2 = [...TARGET_KEYS, 'latency_p10_ms'];
const SKETCH_KEYS = ['relative_accuracy', 'zero_count', 'key_offset', 'counts'];

/** Returns the sketch's total count when it is well formed, else null. */
function checkSketch(value: unknown, path: string, issues: Issues): number | null {
  if (!objectWith(value, SKETCH_KEYS, path, issues)) return null;
  const before = issues.length;
  const accuracy = value['relative_accuracy'];
  const accuracyOk = typeof accuracy === 'number' && accuracy > 0 && accuracy < 1;
  if (!accuracyOk)
    issues.push(`${path}.relative_accuracy: must be a number between 0 and 1, got ${show(accuracy)}`);
  let total = 0;
  if (count(value['zero_count'], `${path}.zero_count`, issues)) total += value['zero_count'] as number;
  const offset = value['key_offset'];
  const counts = value['counts'];
  if (!Number.isSafeInteger(offset))
    issues.push(`${path}.key_offset: must be an integer, got ${show(offset)}`);
  if (!Array.isArray(counts)) {
    issues.push(`${path}.counts: must be an array of counts, got ${show(counts)}`);
    return null;
  }
  for (let i = 0; i < counts.length; i++) {
    const n: unknown = counts[i];
    if (Number.isSafeInteger(n) && (n as number) >= 0) total += n as number;
    else if (issues.push(`${path}.counts[${i}]: must be an integer ≥ 0, got ${show(n)}`) > MAX_ISSUES)
      return null;
  }
  if (issues.length > before) return null;
  if (counts.length === 0) {
    if (offset !== 0) issues.push(`${path}.key_offset: must be 0 when there are no counts`);
  } else if (counts[0] === 0 || counts[counts.length - 1] === 0) {
    issues.push(`${path}.counts: must start and end with a non-empty bin`);
  } else if (accuracyOk) {
    const [low, high] = sketchKeyRange(accuracy);
    const last = (offset as number) + counts.length - 1;
    if ((offset as number) < low || last > high) {
      issues.push(
        `${path}: keys ${offset}…${last} fall outside ${low}…${high}, latencies from 1 ns to 10^9 ms`,
      );
    }
  }
  return issues.length === before ? total : null;
}

/** A latency member: null or whole microseconds of ms from 0 to 10⁹; false when it is neither. */
function latencyMember(value: unknown, name: string, path: string, issues: Issues): boolean {
  if (value === undefined) return false; // reported as missing already
  const ok = value === null || (typeof value === 'number' && value >= 0 && value <= MAX_LATENCY_MS);
  if (!ok) {
    issues.push(`${path}.${name}: must be null or a number of ms from 0 to 10^9, got ${show(value)}`);
  } else if (value !== null && !isWholeMicros(value as number)) {
    issues.push(`${path}.${name}: must be whole microseconds (at most 3 decimal places), got ${show(value)}`);
  }
  return ok;
}

function checkTarget(
  value: unknown,
  path: string,
  monitor: unknown,
  version: 1 | 2,
  issues: Issues,
): string | null {
  if (!objectWith(value, version === 1 ? TARGET_KEYS : TARGET_KEYS_V2, path, issues)) return null;
  const target = value['target'];
  if (nodeId(target, `${path}.target`, issues) && target === monitor) {
    issues.push(`${path}.target: a monitor never audits itself`);
  }
  const samples = value['samples'];
  const up = value['up_samples'];
  const down = value['downtime_intervals'];
  const countsOk = [
    count(samples, `${path}.samples`, issues),
    count(up, `${path}.up_samples`, issues),
    count(down, `${path}.downtime_intervals`, issues),
  ].every(Boolean);
  if (countsOk) {
    if ((up as number) > (samples as number)) {
      issues.push(`${path}.up_samples: must be ≤ samples (${samples}), got ${up}`);
    } else if (down !== (samples as number) - (up as number)) {
      issues.push(
        `${path}.downtime_intervals: must be samples − up_samples (${(samples as number) - (up as number)}), got ${down}`,
      );
    }
  }
  const mean = value['mean_latency_ms'];
  const meanOk = latencyMember(mean, 'mean_latency_ms', path, issues);
  if (version === 2) {
    const low = value['latency_p10_ms'];
    if (latencyMember(low, 'latency_p10_ms', path, issues) && meanOk && (low === null) !== (mean === null)) {
      issues.push(`${path}.latency_p10_ms: must be null exactly when mean_latency_ms is`);
    }
  }
  const sketched = checkSketch(value['latency_sketch'], `${path}.latency_sketch`, issues);
  if (sketched !== null && countsOk && sketched > (up as number)) {
    issues.push(`${path}.latency_sketch: holds ${sketched} latencies, more than the ${up} up samples`);
  }
  if (sketched !== null && meanOk && (mean === null) !== (sketched === 0)) {
    issues.push(`${path}.mean_latency_ms: must be null exactly when the latency sketch is empty`);
  }
  return typeof target === 'string' ? target : null;
}

/** Every problem with `value` as a report; empty when it is one. */
export function reportIssues(value: unknown, path = '$'): string[] {
  const issues: Issues = [];
  if (!objectWith(value, REPORT_KEYS, path, issues)) return issues;
  const version = value['version'];
  if (version !== 1 && version !== 2) issues.push(`${path}.version: must be 1 or 2, got ${show(version)}`);
  count(value['epoch'], `${path}.epoch`, issues);
  nodeId(value['monitor'], `${path}.monitor`, issues);
  count(value['created_at_ms'], `${path}.created_at_ms`, issues);
  const interval = value['probe_interval_s'];
  if (!(typeof interval === 'number' && Number.isFinite(interval) && interval > 0)) {
    issues.push(`${path}.probe_interval_s: must be a number of seconds > 0, got ${show(interval)}`);
  }
  const targets = value['targets'];
  if (!Array.isArray(targets)) {
    issues.push(`${path}.targets: must be an array, got ${show(targets)}`);
    return issues;
  }
  let previous: string | null = null;
  for (let i = 0; i < targets.length && issues.length <= MAX_ISSUES; i++) {
    const at = `${path}.targets[${i}]`;
    // An unknown version is already an issue; its entries are checked as version 1's, the base.
    const target = checkTarget(targets[i], at, value['monitor'], version === 2 ? 2 : 1, issues);
    if (target === null) continue;
    if (previous !== null && !(previous < target)) {
      issues.push(
        `${at}.target: targets must be sorted and distinct (${show(target)} after ${show(previous)})`,
      );
    }
    previous = target;
  }
  return issues;
}

/** Every problem with `value` as a signed report; empty when it is one. */
export function signedReportIssues(value: unknown): string[] {
  const issues: Issues = [];
  if (!objectWith(value, ['report', 'signature'], '$', issues)) return issues;
  const signature = value['signature'];
  if (typeof signature !== 'string' || decodeBase64url(signature, 64) === null) {
    issues.push('$.signature: must be an ed25519 signature as base64url without padding (86 characters)');
  }
  issues.push(...reportIssues(value['report'], '$.report'));
  return issues;
}

/** `value` typed as a Report, or a ReportValidationError listing what is wrong. */
export function parseReport(value: unknown): Report {
  const issues = reportIssues(value);
  if (issues.length > 0) throw new ReportValidationError(issues);
  return value as Report;
}

/** `value` typed as a SignedReport, or a ReportValidationError listing what is wrong. */
export function parseSignedReport(value: unknown): SignedReport {
  const issues = signedReportIssues(value);
  if (issues.length > 0) throw new ReportValidationError(issues);
  return value as SignedReport;
}
