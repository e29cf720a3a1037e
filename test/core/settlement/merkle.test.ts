import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_MERKLE_ROOT, merkleRoot } from '../../../src/core/settlement/merkle.ts';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (hex: string) => sha(Buffer.from([0]), Buffer.from(hex, 'hex'));
const nodeHash = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);

/** RFC 6962 section 2.1, written as the RFC states it: split at the largest power of two below n. */
function mth(leaves: readonly string[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leafHash(leaves[0] as string);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const digest = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const d = (n: number) => n.toString(16).padStart(64, '0');

describe('merkleRoot', () => {
  it('is SHA-256 of nothing for no leaves', () => {
    expect(merkleRoot([])).toBe(EMPTY_MERKLE_ROOT);
    expect(EMPTY_MERKLE_ROOT).toBe(sha().toString('hex'));
  });

  it('hashes leaves and nodes with RFC 6962 prefixes, carrying an odd node up', () => {
    expect(merkleRoot([d(1)])).toBe(leafHash(d(1)).toString('hex'));
    const two = nodeHash(leafHash(d(1)), leafHash(d(2)));
    expect(merkleRoot([d(2), d(1)])).toBe(two.toString('hex'));
    expect(merkleRoot([d(3), d(1), d(2)])).toBe(nodeHash(two, leafHash(d(3))).toString('hex'));
  });

  it('equals the RFC 6962 tree hash of the sorted set, for any order and repeats', () => {
    fc.assert(
      fc.property(fc.uniqueArray(digest, { maxLength: 40 }), fc.nat(), (leaves, seed) => {
        const sorted = [...leaves].sort();
        const expected = mth(sorted).toString('hex');
        const k = leaves.length === 0 ? 0 : seed % leaves.length;
        const shuffled = [...leaves.slice(k), ...leaves.slice(0, k), ...leaves.slice(0, seed % 3)];
        expect(merkleRoot(shuffled)).toBe(expected);
      }),
    );
  });

  it('changes when any leaf changes', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(digest, { minLength: 1, maxLength: 20 }),
        digest,
        fc.nat(),
        (leaves, other, i) => {
          fc.pre(!leaves.includes(other));
          const changed = [...leaves];
          changed[i % leaves.length] = other;
          expect(merkleRoot(changed)).not.toBe(merkleRoot(leaves));
        },
      ),
    );
  });

  it('refuses leaves that are not SHA-256 hex', () => {
    expect(() => merkleRoot(['abc'])).toThrow(/SHA-256 hex digest/);
    expect(() => merkleRoot([d(1).toUpperCase().replace(/0/g, 'A')])).toThrow(/SHA-256 hex digest/);
  });
});
