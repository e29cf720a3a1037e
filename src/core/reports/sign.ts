import type { KeyObject } from 'node:crypto';
import { canonicalJson, canonicalJsonBytes } from '../crypto/canonical-json.ts';
import { type PublicKeyInput, signBytes, verifyBytes } from '../crypto/ed25519.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { Report, SignedReport } from './types.ts';

/**
 * The bytes a monitor signs: RFC 8785 JSON of the report. A JSON object cannot be mistaken
 * for a request signing string (those start with the scheme name), so one node key can
 * sign both.
 */
export function encodeReport(report: Report): Uint8Array {
  return canonicalJsonBytes(report);
}

/** Signs the report once with the monitor's key. Ed25519 is deterministic: re-signing gives the same signature. */
export function signReport(report: Report, privateKey: KeyObject): SignedReport {
  return { report, signature: signBytes(encodeReport(report), privateKey) };
}

/** True when the signature covers this exact report under the monitor's key; false for anything malformed. */
export function verifySignedReport(signed: SignedReport, publicKey: PublicKeyInput): boolean {
  let bytes: Uint8Array;
  try {
    bytes = encodeReport(signed.report);
  } catch {
    return false;
  }
  return verifyBytes(bytes, signed.signature, publicKey);
}

/**
 * The report's identity: SHA-256 hex of the canonical JSON of the signed report. The same
 * report resent (or re-signed after a restart) has the same digest, so storing by digest
 * makes submission idempotent; it is also the report's Merkle leaf.
 */
export function reportDigest(signed: SignedReport): string {
  return reportDigestOfJson(canonicalJson(signed.report), signed.signature);
}

/**
 * `reportDigest` from the report's canonical JSON already at hand, so settlement encodes
 * each report once for both its digest and its signature check. "report" sorts before
 * "signature", so this is the canonical JSON of the signed report.
 */
export function reportDigestOfJson(reportJson: string, signature: string): string {
  return sha256Hex(`{"report":${reportJson},"signature":${canonicalJson(signature)}}`);
}
