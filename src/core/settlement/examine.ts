import type { KeyObject } from 'node:crypto';
import { canonicalJson } from '../crypto/canonical-json.ts';
import { importPublicKey, isPublicKeyText, type PublicKeyInput, verifyBytes } from '../crypto/ed25519.ts';
import { sha256Hex } from '../crypto/hash.ts';
import { validReportJson } from '../reports/encode.ts';
import { reportDigestOfJson } from '../reports/sign.ts';
import type { SignedReport } from '../reports/types.ts';
import { NODE_ID_PATTERN, signedReportIssues } from '../reports/validate.ts';

/** What settlement reads of one target entry of a report. */
export interface TargetFacts {
  target: string;
  samples: number;
  downtime_intervals: number;
  /**
   * The entry's latency figure for settlement, whole microseconds: `latency_p10_ms` in a
   * version 2 report, `mean_latency_ms` in a version 1 report (which has nothing better).
   */
  latency_ms: number | null;
}

/**
 * The signature check of a well-formed report: `no_key` when its monitor has no usable
 * registered key. Checked whatever the report's epoch or assignment, so examining a report
 * needs nothing but the keys; settlement decides which verdict applies.
 */
export type SignatureCheck = 'valid' | 'invalid' | 'no_key';

/**
 * One submitted report after the work that does not depend on the other reports: shape,
 * canonical encoding, digest and signature. This is most of settlement's time and the same
 * for every report, so it can be done anywhere (another thread, ahead of time) and handed
 * to `settleExaminedReports`.
 */
export type ExaminedReport =
  | {
      kind: 'malformed';
      /** The report's `monitor` when it is a well-formed node id, else null. */
      monitor: string | null;
      /** SHA-256 of the canonical JSON of what was submitted; null when it has none. */
      digest: string | null;
    }
  | {
      kind: 'well_formed';
      monitor: string;
      /** `reportDigest`: the report's identity and Merkle leaf. */
      digest: string;
      epoch: number;
      signature: SignatureCheck;
      targets: TargetFacts[];
    };

/** The monitor's registered key as a KeyObject, or null when it has none that can verify. */
export type MonitorKeyLookup = (monitor: string) => KeyObject | null;

/**
 * Looks keys up once per monitor. A registered key that cannot be used is treated as no key:
 * that monitor's reports cannot count.
 */
export function monitorKeyLookup(monitorKeys: ReadonlyMap<string, PublicKeyInput>): MonitorKeyLookup {
  const keys = new Map<string, KeyObject | null>();
  return (monitor) => {
    let key = keys.get(monitor);
    if (key === undefined) {
      key = usableKey(monitorKeys.get(monitor));
      keys.set(monitor, key);
    }
    return key;
  };
}

function usableKey(registered: PublicKeyInput | undefined): KeyObject | null {
  if (typeof registered === 'string') {
    if (!isPublicKeyText(registered)) return null;
    try {
      return importPublicKey(registered);
    } catch {
      return null;
    }
  }
  if (typeof registered === 'object' && registered.asymmetricKeyType === 'ed25519') {
    return registered.type === 'public' ? registered : null;
  }
  return null;
}

function digestOrNull(value: unknown): string | null {
  try {
    return sha256Hex(canonicalJson(value));
  } catch {
    return null;
  }
}

function claimedMonitor(value: unknown): string | null {
  const monitor = (value as { report?: { monitor?: unknown } } | null)?.report?.monitor;
  return typeof monitor === 'string' && NODE_ID_PATTERN.test(monitor) ? monitor : null;
}

/** Examines one submitted value as a signed report (see ExaminedReport). */
export function examineReport(raw: unknown, keyOf: MonitorKeyLookup): ExaminedReport {
  if (signedReportIssues(raw).length > 0) {
    return { kind: 'malformed', monitor: claimedMonitor(raw), digest: digestOrNull(raw) };
  }
  const { report, signature } = raw as SignedReport;
  // Encoded once, for both the digest and the signature: encoding is much of settlement's time.
  const reportJson = validReportJson(report);
  const key = keyOf(report.monitor);
  const targets: TargetFacts[] = [];
  for (const t of report.targets) {
    targets.push({
      target: t.target,
      samples: t.samples,
      downtime_intervals: t.downtime_intervals,
      latency_ms: report.version === 1 ? t.mean_latency_ms : (t.latency_p10_ms ?? null),
    });
  }
  return {
    kind: 'well_formed',
    monitor: report.monitor,
    digest: reportDigestOfJson(reportJson, signature),
    epoch: report.epoch,
    signature:
      key === null
        ? 'no_key'
        : verifyBytes(Buffer.from(reportJson, 'utf8'), signature, key)
          ? 'valid'
          : 'invalid',
    targets,
  };
}

/**
 * Examines a report as stored: the JSON text of a submitted body. Text that is not JSON is
 * malformed with neither monitor nor digest; anything else is exactly `examineReport` of
 * `JSON.parse(text)`.
 */
export function examineReportText(text: string, keyOf: MonitorKeyLookup): ExaminedReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: 'malformed', monitor: null, digest: null };
  }
  return examineReport(raw, keyOf);
}
