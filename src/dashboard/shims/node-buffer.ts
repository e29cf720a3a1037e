// `node:buffer` for the browser build: exactly the part of Buffer that src/core uses (decision
// 0062). The Vite config aliases `node:buffer` here and injects this Buffer where core uses the
// global one (src/dashboard/shims/aliases.ts). test/dashboard/shims.test.ts holds every
// operation to Node's own Buffer.

/** The encodings core names, with Node's meaning for each. */
export type BufferEncoding = 'utf8' | 'utf-8' | 'hex' | 'base64' | 'base64url' | 'ascii' | 'latin1';

const HEX_DIGITS = '0123456789abcdef';
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Both alphabets decode in both encodings, as in Node: `+` and `-` are 62, `/` and `_` are 63. */
const SEXTETS = new Map<string, number>();
for (let i = 0; i < 64; i++) {
  SEXTETS.set(BASE64_ALPHABET[i] as string, i);
  SEXTETS.set(BASE64URL_ALPHABET[i] as string, i);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

function unknownEncoding(encoding: unknown): TypeError {
  return new TypeError(`Unknown encoding: ${String(encoding)}`);
}

/** Node reads hex two digits at a time and stops at the first pair that is not hex. */
function hexBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length >>> 1);
  for (let i = 0; i < out.length; i++) {
    const pair = text.slice(2 * i, 2 * i + 2);
    if (!HEX_PAIR.test(pair)) return out.slice(0, i);
    out[i] = Number.parseInt(pair, 16);
  }
  return out;
}

/**
 * Node's base64 decoding: characters of neither alphabet are skipped, decoding stops at `=`,
 * and leftover bits of a final partial group are dropped (one lone character gives no byte).
 */
function base64Bytes(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let count = 0;
  for (const char of text) {
    if (char === '=') break;
    const sextet = SEXTETS.get(char);
    if (sextet === undefined) continue;
    bits = (bits << 6) | sextet;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push((bits >>> count) & 0xff);
      bits &= (1 << count) - 1;
    }
  }
  return Uint8Array.from(out);
}

/** Node's `ascii` and `latin1` writing alike: the low byte of each UTF-16 code unit. */
function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function encode(text: string, encoding: BufferEncoding): Uint8Array {
  switch (encoding) {
    case 'utf8':
    case 'utf-8':
      return utf8Encoder.encode(text);
    case 'hex':
      return hexBytes(text);
    case 'base64':
    case 'base64url':
      return base64Bytes(text);
    case 'ascii':
    case 'latin1':
      return latin1Bytes(text);
    default:
      throw unknownEncoding(encoding);
  }
}

function base64Text(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += alphabet[a >>> 2];
    out += alphabet[((a & 0x03) << 4) | ((b ?? 0) >>> 4)];
    if (b === undefined) {
      if (pad) out += '==';
      break;
    }
    out += alphabet[((b & 0x0f) << 2) | ((c ?? 0) >>> 6)];
    if (c === undefined) {
      if (pad) out += '=';
      break;
    }
    out += alphabet[c & 0x3f];
  }
  return out;
}

function decode(bytes: Uint8Array, encoding: BufferEncoding): string {
  switch (encoding) {
    case 'utf8':
    case 'utf-8':
      return utf8Decoder.decode(bytes);
    case 'hex': {
      let out = '';
      for (const byte of bytes) out += HEX_DIGITS[byte >>> 4] + (HEX_DIGITS[byte & 0x0f] as string);
      return out;
    }
    case 'base64':
      return base64Text(bytes, BASE64_ALPHABET, true);
    case 'base64url':
      return base64Text(bytes, BASE64URL_ALPHABET, false);
    case 'ascii': {
      let out = '';
      for (const byte of bytes) out += String.fromCharCode(byte & 0x7f);
      return out;
    }
    case 'latin1': {
      let out = '';
      for (const byte of bytes) out += String.fromCharCode(byte);
      return out;
    }
    default:
      throw unknownEncoding(encoding);
  }
}

function checkOffset(offset: number, length: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + size > length) {
    throw new RangeError(
      `The value of "offset" is out of range. It must be >= 0 and <= ${length - size}. Received ${offset}`,
    );
  }
}

/**
 * A Uint8Array with the Buffer methods core calls: `from` (text in an encoding, or bytes),
 * `alloc`, `toString`, `write`, `readUInt32BE` and `writeUInt32BE`.
 */
export class Buffer extends Uint8Array {
  /** `Buffer.from(text, encoding)` or a copy of `Buffer.from(bytes)`. */
  static override from(value: string, encoding?: BufferEncoding): Buffer;
  static override from(value: ArrayLike<number> | Iterable<number>): Buffer;
  static override from(value: string | ArrayLike<number> | Iterable<number>, encoding?: unknown): Buffer {
    if (typeof value === 'string') return Buffer.#wrap(encode(value, (encoding ?? 'utf8') as BufferEncoding));
    if (encoding !== undefined) throw new TypeError('Buffer.from(bytes) takes no second argument here');
    return Buffer.#wrap(Uint8Array.from(value as ArrayLike<number>));
  }

  /** `size` zero bytes. */
  static alloc(size: number): Buffer {
    return new Buffer(size);
  }

  static #wrap(bytes: Uint8Array): Buffer {
    const out = new Buffer(bytes.length);
    out.set(bytes);
    return out;
  }

  /** The bytes from `start` to `end` as text in `encoding` (utf8 by default). */
  override toString(encoding: BufferEncoding = 'utf8', start = 0, end = this.length): string {
    return decode(this.subarray(start, end), encoding);
  }

  /** Writes `text` in `encoding` at `offset`, as much as fits; the number of bytes written. */
  write(text: string, offset = 0, encoding: BufferEncoding = 'utf8'): number {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.length) {
      throw new RangeError(`The value of "offset" is out of range. Received ${offset}`);
    }
    const bytes = encode(text, encoding).subarray(0, this.length - offset);
    this.set(bytes, offset);
    return bytes.length;
  }

  readUInt32BE(offset = 0): number {
    checkOffset(offset, this.length, 4);
    return new DataView(this.buffer, this.byteOffset, this.byteLength).getUint32(offset, false);
  }

  /** Writes `value` in [0, 2^32) big-endian at `offset`, its fraction dropped; returns `offset + 4`. */
  writeUInt32BE(value: number, offset = 0): number {
    if (value < 0 || value > 0xffff_ffff) {
      throw new RangeError(
        `The value of "value" is out of range. It must be >= 0 and <= 4294967295. Received ${value}`,
      );
    }
    checkOffset(offset, this.length, 4);
    new DataView(this.buffer, this.byteOffset, this.byteLength).setUint32(offset, value, false);
    return offset + 4;
  }
}
