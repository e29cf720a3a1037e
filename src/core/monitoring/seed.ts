import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';

/** The previous-settlement hash that stands in for a settlement before the first one. */
export const GENESIS_SETTLEMENT_HASH = '0'.repeat(64);

const HASH_HEX = /^[0-9a-f]{64}$/;
const UINT32_RANGE = 2 ** 32;

function requireHashHex(name: string, value: string): void {
  if (typeof value !== 'string' || !HASH_HEX.test(value)) {
    throw new RangeError(`${name} must be 64 lowercase hex digits (a SHA-256 digest), got ${String(value)}`);
  }
}

/**
 * The exact ASCII text hashed into an epoch's seed (docs/decisions/0012):
 * `vigil:epoch-seed:v1:<previous settlement hash>:<epoch in decimal>`.
 */
export function epochSeedMessage(epoch: number, previousSettlementHash: string): string {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new RangeError(`epoch must be an integer ≥ 0, got ${epoch}`);
  }
  requireHashHex('previousSettlementHash', previousSettlementHash);
  return `vigil:epoch-seed:v1:${previousSettlementHash}:${epoch}`;
}

/** The public seed of an epoch: lowercase hex SHA-256 of `epochSeedMessage`. */
export function epochSeed(epoch: number, previousSettlementHash: string): string {
  return createHash('sha256').update(epochSeedMessage(epoch, previousSettlementHash), 'ascii').digest('hex');
}

/**
 * A reproducible stream of random numbers from a public seed: block i is
 * SHA-256(seed bytes ‖ i as 8 bytes big-endian), the blocks concatenated, read 4 bytes at a time
 * as big-endian unsigned integers. Anyone with the seed gets the same numbers in any language.
 */
export class SeededRandom {
  readonly #input = Buffer.alloc(40);
  #counter = 0;
  #block = Buffer.alloc(32);
  #offset = 32;

  constructor(seedHex: string) {
    requireHashHex('seedHex', seedHex);
    this.#input.write(seedHex, 0, 'hex');
  }

  /** The next 32 bits of the stream as an integer in [0, 2^32). */
  nextUint32(): number {
    if (this.#offset === 32) this.#refill();
    const value = this.#block.readUInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }

  /**
   * A uniform integer in [0, maxExclusive). Draws are rejected at or above the largest multiple
   * of maxExclusive below 2^32, so no value is favoured by the modulo.
   */
  nextInt(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > UINT32_RANGE) {
      throw new RangeError(`maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`);
    }
    const limit = UINT32_RANGE - (UINT32_RANGE % maxExclusive);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % maxExclusive;
  }

  #refill(): void {
    this.#input.writeUInt32BE(Math.floor(this.#counter / UINT32_RANGE), 32);
    this.#input.writeUInt32BE(this.#counter % UINT32_RANGE, 36);
    this.#counter++;
    this.#block = createHash('sha256').update(this.#input).digest();
    this.#offset = 0;
  }
}
