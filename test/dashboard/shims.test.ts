import { Buffer as NodeBuffer } from 'node:buffer';
import * as node from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Buffer, type BufferEncoding } from '../../src/dashboard/shims/node-buffer.ts';
import * as shim from '../../src/dashboard/shims/node-crypto.ts';

// The browser shims of node:buffer and node:crypto (decision 0062) against Node itself, for every
// operation src/core uses. The shims run here in Node, but they use only what a browser has.

const bytes = (b: Uint8Array): number[] => [...b];
const hexChars = fc.constantFrom(...'0123456789abcdefABCDEFg z');
const base64Chars = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_',
  '=',
  ' ',
  '.',
);
const anyText = fc.string({ unit: 'binary', maxLength: 64 });
const asciiText = fc.string({
  unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
  maxLength: 64,
});
const ENCODINGS: BufferEncoding[] = ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'ascii', 'latin1'];

describe('the node:buffer shim', () => {
  it('reads text as Node does in every encoding core names', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom<BufferEncoding>('utf8', 'utf-8', 'ascii', 'latin1'),
        (text, encoding) => {
          expect(bytes(Buffer.from(text, encoding))).toEqual(bytes(NodeBuffer.from(text, encoding)));
        },
      ),
    );
    // Core reads hex and base64url only after checking the text is in their alphabet (ASCII).
    fc.assert(
      fc.property(asciiText, fc.constantFrom(...ENCODINGS), (text, encoding) => {
        expect(bytes(Buffer.from(text, encoding))).toEqual(bytes(NodeBuffer.from(text, encoding)));
      }),
    );
  });

  it('reads hex and base64(url) as leniently as Node: stops at a bad pair, skips strangers, stops at =', () => {
    fc.assert(
      fc.property(fc.string({ unit: hexChars, maxLength: 40 }), (text) => {
        expect(bytes(Buffer.from(text, 'hex'))).toEqual(bytes(NodeBuffer.from(text, 'hex')));
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: base64Chars, maxLength: 60 }),
        fc.constantFrom<BufferEncoding>('base64', 'base64url'),
        (text, encoding) => {
          expect(bytes(Buffer.from(text, encoding))).toEqual(bytes(NodeBuffer.from(text, encoding)));
        },
      ),
    );
  });

  it('writes bytes as text as Node does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.constantFrom(...ENCODINGS), (raw, encoding) => {
        expect(Buffer.from(raw).toString(encoding)).toBe(NodeBuffer.from(raw).toString(encoding));
      }),
    );
  });

  it('round-trips what core decodes: a key or signature in unpadded base64url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), (raw) => {
        const text = NodeBuffer.from(raw).toString('base64url');
        expect(Buffer.from(raw).toString('base64url')).toBe(text);
        expect(bytes(Buffer.from(text, 'base64url'))).toEqual(bytes(raw));
      }),
    );
  });

  it('is a Uint8Array from alloc and from bytes, a copy of them', () => {
    const zeros = Buffer.alloc(40);
    expect(zeros).toBeInstanceOf(Uint8Array);
    expect(bytes(zeros)).toEqual(new Array(40).fill(0));
    const source = Uint8Array.of(1, 2, 3);
    const copy = Buffer.from(source);
    source[0] = 9;
    expect(bytes(copy)).toEqual([1, 2, 3]);
    expect(bytes(Buffer.from([0x00]))).toEqual([0]);
    expect(() => Buffer.from('x', 'utf16le' as BufferEncoding)).toThrow(TypeError);
  });

  it('writes text at an offset, as much as fits, as SeededRandom writes its seed', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: hexChars, maxLength: 90 }),
        fc.nat(40),
        fc.constantFrom<BufferEncoding>('hex', 'utf8', 'ascii'),
        (text, offset, encoding) => {
          const mine = Buffer.alloc(40);
          const theirs = NodeBuffer.alloc(40);
          expect(mine.write(text, offset, encoding)).toBe(theirs.write(text, offset, encoding));
          expect(bytes(mine)).toEqual(bytes(theirs));
        },
      ),
    );
  });

  it('reads and writes 32-bit big-endian integers as Node does, refusing the same ones', () => {
    const outcome = (f: () => unknown) => {
      try {
        return f();
      } catch (error) {
        return (error as Error).name;
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.nat(0xffff_ffff),
          fc.integer({ min: -5, max: 2 ** 33 }),
          fc.double({ min: 0, max: 2 ** 32 }),
        ),
        fc.integer({ min: -1, max: 12 }),
        (value, offset) => {
          const mine = Buffer.alloc(12);
          const theirs = NodeBuffer.alloc(12);
          expect(outcome(() => mine.writeUInt32BE(value, offset))).toEqual(
            outcome(() => theirs.writeUInt32BE(value, offset)),
          );
          expect(bytes(mine)).toEqual(bytes(theirs));
          expect(outcome(() => mine.readUInt32BE(offset))).toEqual(
            outcome(() => theirs.readUInt32BE(offset)),
          );
        },
      ),
    );
  });
});

describe('the node:crypto shim', () => {
  it('hashes with SHA-256 as Node does: Buffer, hex and base64url digests, chunks, ascii and utf8 text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(anyText, fc.uint8Array({ maxLength: 100 })), { maxLength: 4 }),
        fc.constantFrom<BufferEncoding | undefined>(undefined, 'utf8', 'ascii'),
        fc.constantFrom(undefined, 'hex', 'base64url', 'base64' as const),
        (parts, inputEncoding, outputEncoding) => {
          const mine = shim.createHash('sha256');
          const theirs = node.createHash('sha256');
          for (const part of parts) {
            mine.update(part, inputEncoding);
            if (typeof part === 'string') theirs.update(part, inputEncoding ?? 'utf8');
            else theirs.update(part);
          }
          if (outputEncoding === undefined) {
            const digest = mine.digest();
            const expected = theirs.digest();
            expect(digest).toBeInstanceOf(Buffer);
            expect(bytes(digest)).toEqual(bytes(expected));
            // samplePoint reads the first four bytes of a digest.
            expect(digest.readUInt32BE(0)).toBe(expected.readUInt32BE(0));
          } else {
            expect(mine.digest(outputEncoding)).toBe(theirs.digest(outputEncoding));
          }
        },
      ),
    );
    expect(() => shim.createHash('md5')).toThrow(/not supported/);
  });

  it('imports an ed25519 public key from its JWK and exports the same x as Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (raw) => {
        const x = NodeBuffer.from(raw).toString('base64url');
        const jwk = { key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' } as const;
        const mine = shim.createPublicKey(jwk);
        expect(mine.type).toBe('public');
        expect(mine.asymmetricKeyType).toBe('ed25519');
        expect(mine.export({ format: 'jwk' })).toEqual(node.createPublicKey(jwk).export({ format: 'jwk' }));
      }),
      { numRuns: 50 },
    );
    const short = { key: { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }, format: 'jwk' };
    expect(() => node.createPublicKey(short as node.JsonWebKeyInput)).toThrow();
    expect(() => shim.createPublicKey(short)).toThrow(TypeError);
  });

  const pair = () => {
    const { privateKey, publicKey } = node.generateKeyPairSync('ed25519');
    const x = publicKey.export({ format: 'jwk' }).x as string;
    return {
      privateKey,
      publicKey,
      mine: shim.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
    };
  };

  it('verifies ed25519 signatures as Node does: good ones, and ones with a flipped bit in message or signature', () => {
    const keys = Array.from({ length: 4 }, pair);
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.uint8Array({ maxLength: 200 }),
        fc.option(
          fc.record({ where: fc.constantFrom('message', 'signature'), at: fc.nat(), bit: fc.nat(7) }),
        ),
        ({ privateKey, publicKey, mine }, message, flip) => {
          const signature = NodeBuffer.from(node.sign(null, message, privateKey));
          const signed = NodeBuffer.from(message);
          if (flip !== null) {
            const target = flip.where === 'message' ? signed : signature;
            const i = flip.at % Math.max(target.length, 1);
            if (i < target.length) target[i] = (target[i] as number) ^ (1 << flip.bit);
          }
          const expected = node.verify(null, signed, publicKey, signature);
          expect(shim.verify(null, signed, mine, signature)).toBe(expected);
          if (flip === null) expect(expected).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('agrees with Node on the signatures a forger would try: S + L, small-order keys and R, wrong lengths', () => {
    const { privateKey, publicKey, mine } = pair();
    const message = NodeBuffer.from('a report');
    const good = NodeBuffer.from(node.sign(null, message, privateKey));
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const s = BigInt(`0x${NodeBuffer.from(good.subarray(32)).reverse().toString('hex')}`);
    const sPlusL = NodeBuffer.from((s + L).toString(16).padStart(64, '0'), 'hex').reverse();
    const malleated = NodeBuffer.concat([good.subarray(0, 32), sPlusL]);
    expect(node.verify(null, message, publicKey, malleated)).toBe(false);
    expect(shim.verify(null, message, mine, malleated)).toBe(false);
    expect(shim.verify(null, message, mine, good.subarray(0, 63))).toBe(false);
    expect(shim.verify(null, message, mine, NodeBuffer.concat([good, NodeBuffer.of(0)]))).toBe(false);

    // The eight points of small order (libsodium's list); as key and as R, with S = 0.
    const smallOrder = [
      '0100000000000000000000000000000000000000000000000000000000000000',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0000000000000000000000000000000000000000000000000000000000000080',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
      'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    ];
    for (const a of smallOrder) {
      const x = NodeBuffer.from(a, 'hex').toString('base64url');
      const jwk = { key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' } as const;
      for (const r of smallOrder) {
        const signature = NodeBuffer.concat([NodeBuffer.from(r, 'hex'), NodeBuffer.alloc(32)]);
        expect(shim.verify(null, message, shim.createPublicKey(jwk), signature), `A=${a} R=${r}`).toBe(
          node.verify(null, message, node.createPublicKey(jwk), signature),
        );
      }
    }
  });

  it('makes version 4 UUIDs from the browser’s randomness', () => {
    const ids = Array.from({ length: 50 }, () => shim.randomUUID());
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('says plainly that signing and making keys need a private key the browser does not have', () => {
    expect(() => shim.sign()).toThrow(shim.BrowserCryptoError);
    expect(() => shim.generateKeyPairSync()).toThrow(/not available in the browser/);
    expect(() => shim.createPrivateKey()).toThrow(/private key/);
    expect(() => shim.createPublicKey({ key: '-----BEGIN PUBLIC KEY-----', format: 'pem' })).toThrow(
      shim.BrowserCryptoError,
    );
  });
});
