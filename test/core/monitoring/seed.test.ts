import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  epochSeed,
  epochSeedMessage,
  GENESIS_SETTLEMENT_HASH,
  SeededRandom,
} from '../../../src/core/monitoring/seed.ts';
import { chiSquareCritical, pearson, Z_ONE_IN_A_MILLION } from './chi-square.ts';

const hashHex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

// Pinned once from the implementation and checked against an independent Python rewrite of
// docs/decisions/0012; a change here changes every assignment ever published.
describe('epoch seed vectors', () => {
  it('hashes the documented message', () => {
    expect(GENESIS_SETTLEMENT_HASH).toBe('0'.repeat(64));
    expect(epochSeedMessage(0, GENESIS_SETTLEMENT_HASH)).toBe(`vigil:epoch-seed:v1:${'0'.repeat(64)}:0`);
    expect(epochSeed(0, GENESIS_SETTLEMENT_HASH)).toBe(
      '686d4bc10237adf471b1528377f835d45cab901944dcdef8ae870070f6136406',
    );
    expect(epochSeed(7, 'ab'.repeat(32))).toBe(
      '3d2164249d56b07016e23181af81383306470fc1c34c8987964ec839df56adcd',
    );
  });

  it('streams the documented numbers', () => {
    const random = new SeededRandom(epochSeed(0, GENESIS_SETTLEMENT_HASH));
    expect(Array.from({ length: 10 }, () => random.nextUint32())).toEqual([
      560398435, 4274480986, 4109015047, 1569652933, 584088119, 3865674947, 1529335529, 2759968744,
      2319725622, 3022702960,
    ]);
    const ints = new SeededRandom(epochSeed(7, 'ab'.repeat(32)));
    expect(Array.from({ length: 10 }, () => ints.nextInt(10))).toEqual([3, 1, 0, 2, 8, 1, 5, 1, 9, 4]);
  });
});

describe('epochSeed', () => {
  it('refuses a previous hash that is not 64 lowercase hex digits, and a bad epoch', () => {
    expect(() => epochSeed(1, 'AB'.repeat(32))).toThrow(/lowercase hex/);
    expect(() => epochSeed(1, 'ab')).toThrow(/lowercase hex/);
    expect(() => epochSeed(-1, GENESIS_SETTLEMENT_HASH)).toThrow(/epoch/);
    expect(() => epochSeed(1.5, GENESIS_SETTLEMENT_HASH)).toThrow(/epoch/);
  });

  it('differs for every epoch and every previous settlement', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), hashHex, hashHex, (e1, e2, h1, h2) => {
        fc.pre(e1 !== e2 || h1 !== h2);
        expect(epochSeed(e1, h1)).not.toBe(epochSeed(e2, h2));
        expect(epochSeed(e1, h1)).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });
});

describe('SeededRandom', () => {
  it('refuses a seed that is not 64 lowercase hex digits', () => {
    expect(() => new SeededRandom('xyz')).toThrow(/seedHex/);
    expect(() => new SeededRandom('0'.repeat(63))).toThrow(/seedHex/);
  });

  it('replays the same stream from the same seed', () => {
    fc.assert(
      fc.property(
        hashHex,
        fc.array(fc.integer({ min: 1, max: 2 ** 32 }), { maxLength: 40 }),
        (seed, maxes) => {
          const a = new SeededRandom(seed);
          const b = new SeededRandom(seed);
          expect(maxes.map((m) => a.nextInt(m))).toEqual(maxes.map((m) => b.nextInt(m)));
        },
      ),
    );
  });

  it('keeps nextInt in range and accepts the full 2^32 range', () => {
    fc.assert(
      fc.property(hashHex, fc.integer({ min: 1, max: 2 ** 32 }), (seed, max) => {
        const value = new SeededRandom(seed).nextInt(max);
        expect(Number.isInteger(value)).toBe(true);
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(max);
      }),
    );
    expect(new SeededRandom(GENESIS_SETTLEMENT_HASH).nextInt(1)).toBe(0);
  });

  it('refuses a range it cannot draw from', () => {
    const random = new SeededRandom(GENESIS_SETTLEMENT_HASH);
    for (const bad of [0, -3, 2.5, 2 ** 32 + 1, Number.NaN])
      expect(() => random.nextInt(bad)).toThrow(RangeError);
  });

  it('draws a small range uniformly', () => {
    const random = new SeededRandom(epochSeed(1, GENESIS_SETTLEMENT_HASH));
    const counts = new Array<number>(7).fill(0);
    const draws = 70_000;
    for (let i = 0; i < draws; i++) counts[random.nextInt(7)]!++;
    expect(pearson(counts, draws / 7)).toBeLessThan(chiSquareCritical(6, Z_ONE_IN_A_MILLION));
  });

  it('rejects instead of folding the remainder: thirds of 3·2^30 are equally likely', () => {
    // Plain modulo would map the top quarter of 2^32 onto the first third, doubling its weight.
    const random = new SeededRandom(epochSeed(2, GENESIS_SETTLEMENT_HASH));
    const third = 2 ** 30;
    const counts = [0, 0, 0];
    const draws = 30_000;
    for (let i = 0; i < draws; i++) counts[Math.floor(random.nextInt(3 * third) / third)]!++;
    expect(pearson(counts, draws / 3)).toBeLessThan(chiSquareCritical(2, Z_ONE_IN_A_MILLION));
  });
});
