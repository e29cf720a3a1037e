import type { KeyObject } from 'node:crypto';
import { canonicalJson, canonicalJsonBytes } from '../crypto/canonical-json.ts';
import { type PublicKeyInput, signBytes, verifyBytes } from '../crypto/ed25519.ts';
import { sha256Hex } from '../crypto/hash.ts';
import type { Settlement, SignedSettlement } from './types.ts';

// The previous-settlement hash of the first epoch is defined once, beside the seed that uses it.
export { GENESIS_SETTLEMENT_HASH } from '../monitoring/seed.ts';

/**
 * SHA-256 hex of the settlement's canonical JSON, without the signature: anyone who
 * recomputes the settlement gets this hash, and the next epoch names it.
 */
export function settlementHash(settlement: Settlement): string {
  return sha256Hex(canonicalJson(settlement));
}

/** Signs the settlement's canonical JSON with the coordinator's key. */
export function signSettlement(settlement: Settlement, privateKey: KeyObject): SignedSettlement {
  return { settlement, signature: signBytes(canonicalJsonBytes(settlement), privateKey) };
}

/** True when the coordinator's key signed exactly this settlement; false for anything malformed. */
export function verifySettlement(signed: SignedSettlement, publicKey: PublicKeyInput): boolean {
  let bytes: Uint8Array;
  try {
    bytes = canonicalJsonBytes(signed.settlement);
  } catch {
    return false;
  }
  return verifyBytes(bytes, signed.signature, publicKey);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Arrays of per-node rows are compared by node id, so one missing node is one difference, not many. */
function byNode(value: unknown[]): Map<string, unknown> | null {
  const rows = new Map<string, unknown>();
  for (const row of value) {
    if (!isObject(row) || typeof row['node'] !== 'string' || rows.has(row['node'])) return null;
    rows.set(row['node'], row);
  }
  return rows;
}

/** One place where a published settlement differs from a recomputed one. */
export interface SettlementDifference {
  /** Where, as a JSONPath with per-node rows named by node: `$.nodes[node=a].reward`. */
  path: string;
  /** The recomputed value; absent when only the published document has something here. */
  expected?: unknown;
  /** The published value; absent when the published document lacks it. */
  actual?: unknown;
  /** The difference in one line: `$.nodes[node=a].reward: expected "10", got "9"`. */
  line: string;
}

function diff(expected: unknown, actual: unknown, path: string, out: SettlementDifference[]): void {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const e = byNode(expected);
    const a = byNode(actual);
    if (e !== null && a !== null && (e.size > 0 || a.size > 0)) {
      for (const [node, row] of e) diff(row, a.get(node), `${path}[node=${node}]`, out);
      for (const [node, row] of a) {
        if (!e.has(node))
          out.push({ path: `${path}[node=${node}]`, actual: row, line: `${path}[node=${node}]: unexpected` });
      }
      return;
    }
    for (let i = 0; i < Math.max(expected.length, actual.length); i++)
      diff(expected[i], actual[i], `${path}[${i}]`, out);
    return;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of [...keys].sort()) diff(expected[key], actual[key], `${path}.${key}`, out);
    return;
  }
  if (expected === undefined)
    out.push({ path, actual, line: `${path}: unexpected ${JSON.stringify(actual)}` });
  else if (actual === undefined)
    out.push({ path, expected, line: `${path}: missing, expected ${JSON.stringify(expected)}` });
  else if (canonicalJson(expected) !== canonicalJson(actual)) {
    out.push({
      path,
      expected,
      actual,
      line: `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    });
  }
}

/**
 * Where a published settlement (`actual`) differs from a recomputed one (`expected`), one entry
 * per difference with both values; empty when they are identical.
 */
export function settlementDifferences(expected: Settlement, actual: Settlement): SettlementDifference[] {
  const out: SettlementDifference[] = [];
  diff(expected, actual, '$', out);
  return out;
}

/**
 * Where a published settlement differs from a recomputed one, one line per difference
 * (`$.nodes[node=a].reward: expected "10", got "9"`); empty when they are identical.
 */
export function diffSettlements(expected: Settlement, actual: Settlement): string[] {
  return settlementDifferences(expected, actual).map((d) => d.line);
}
