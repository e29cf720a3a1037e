import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CanonicalJsonError,
  canonicalJson,
  canonicalJsonBytes,
} from '../../../src/core/crypto/canonical-json.ts';

describe('canonicalJson (RFC 8785)', () => {
  it('writes the RFC 8785 section 3.2.2 example exactly', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        '"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        '"literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts members by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('formats numbers as ECMAScript does (RFC 8785 appendix B)', () => {
    const cases: Array<[number, string]> = [
      [0, '0'],
      [-0, '0'],
      [1e21, '1e+21'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [9007199254740992, '9007199254740992'],
      [295147905179352830000, '295147905179352830000'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [5e-324, '5e-324'],
      [-1.5, '-1.5'],
    ];
    for (const [value, text] of cases) expect(canonicalJson(value), String(value)).toBe(text);
  });

  it('nests sorting and drops whitespace', () => {
    expect(canonicalJson({ b: [{ z: 1, a: 2 }], a: { d: null, c: 'x' } })).toBe(
      '{"a":{"c":"x","d":null},"b":[{"a":2,"z":1}]}',
    );
  });

  it('gives UTF-8 bytes', () => {
    expect(Buffer.from(canonicalJsonBytes({ e: '€' })).toString('hex')).toBe(
      Buffer.from('{"e":"€"}', 'utf8').toString('hex'),
    );
  });

  it('refuses what JSON would silently change, naming where it is', () => {
    const refused: Array<[unknown, RegExp]> = [
      [{ a: Number.NaN }, /^\$\.a: NaN is not a finite number/],
      [{ a: [1, Number.POSITIVE_INFINITY] }, /^\$\.a\[1\]: Infinity/],
      [{ a: undefined }, /^\$\.a: undefined has no JSON form/],
      [[1, undefined], /^\$\[1\]: undefined/],
      // biome-ignore lint/suspicious/noSparseArray: a hole is what is being refused
      [[1, , 3], /^\$\[1\]: undefined/],
      [{ 'odd key': 1n }, /^\$\["odd key"\]: a bigint/],
      [{ f: () => 1 }, /^\$\.f: a function/],
      [{ d: new Date(0) }, /^\$\.d: a Date is not a plain object/],
      [{ m: new Map() }, /^\$\.m: a Map is not a plain object/],
      [{ s: '\ud800' }, /^\$\.s: string holds a lone surrogate/],
      [undefined, /^\$: undefined/],
    ];
    for (const [value, message] of refused) {
      expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
      expect(() => canonicalJson(value)).toThrow(message);
    }
  });

  it('refuses cycles but accepts shared subtrees', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/circular reference/);
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['b'] = 1;
    bare['a'] = 2;
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
  });
});

describe('canonicalJson against the canonicalize package', () => {
  it('writes the same text for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });

  it('writes the same text for objects with awkward member names and numbers', () => {
    const key = fc.string({ unit: 'grapheme', maxLength: 4 });
    const number = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(number, fc.array(number, { maxLength: 3 }))), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
    );
  });
});
