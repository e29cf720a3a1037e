import { createHash } from 'node:crypto';
import { isSha256Hex } from '../crypto/hash.ts';

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

/** The root of no leaves: SHA-256 of the empty string, as RFC 6962 defines it. */
export const EMPTY_MERKLE_ROOT = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function hash(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest();
}

/**
 * The RFC 6962 Merkle tree hash of a set of SHA-256 digests (hex). Leaves are sorted and
 * de-duplicated first, so the root names the set whatever order reports arrived in. Leaves
 * hash as SHA-256(0x00 ‖ digest bytes) and inner nodes as SHA-256(0x01 ‖ left ‖ right): the
 * prefixes keep a leaf from passing as an inner node. An odd node at the end of a level is
 * carried up unchanged rather than paired with itself, which is RFC 6962's shape and avoids
 * the duplicate-leaf ambiguity of Bitcoin's tree.
 */
export function merkleRoot(leafHexes: readonly string[]): string {
  for (const leaf of leafHexes) {
    if (!isSha256Hex(leaf))
      throw new RangeError(`Merkle leaf must be a SHA-256 hex digest, got ${JSON.stringify(leaf)}`);
  }
  const leaves = [...new Set(leafHexes)].sort();
  if (leaves.length === 0) return EMPTY_MERKLE_ROOT;
  let level = leaves.map((leaf) => hash(LEAF, Buffer.from(leaf, 'hex')));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Buffer;
      const right = level[i + 1];
      next.push(right === undefined ? left : hash(NODE, left, right));
    }
    level = next;
  }
  return (level[0] as Buffer).toString('hex');
}
