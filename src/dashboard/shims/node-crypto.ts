// `node:crypto` for the browser build: exactly the functions src/core imports (decision 0062),
// on @noble/hashes and @noble/curves, which are synchronous like Node's. What a browser can do
// (hash, import a public key, verify, random ids) behaves as Node does; what needs a private key
// throws a BrowserCryptoError. test/dashboard/shims.test.ts holds it to node:crypto.
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Buffer, type BufferEncoding } from './node-buffer.ts';

/** Something core asked of `node:crypto` that a browser cannot do: anything with a private key. */
export class BrowserCryptoError extends Error {
  override name = 'BrowserCryptoError';

  constructor(what: string) {
    super(
      `${what} is not available in the browser: the dashboard only verifies, and signing or making ` +
        'keys needs a private key, which stays with the node or coordinator that owns it',
    );
  }
}

const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;

function bytesOf(data: string | Uint8Array, encoding: BufferEncoding = 'utf8'): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, encoding) : data;
}

/** A running SHA-256, as `createHash('sha256')` returns it. */
export class Hash {
  readonly #hash = sha256.create();

  /** Adds bytes, or a string in `encoding` (utf8 by default). */
  update(data: string | Uint8Array, encoding?: BufferEncoding): this {
    this.#hash.update(bytesOf(data, encoding));
    return this;
  }

  /** The digest as a Buffer, or as text in `encoding`. */
  digest(): Buffer;
  digest(encoding: BufferEncoding): string;
  digest(encoding?: BufferEncoding): Buffer | string {
    const bytes = Buffer.from(this.#hash.digest());
    return encoding === undefined ? bytes : bytes.toString(encoding);
  }
}

/** Only SHA-256: the one hash core uses. */
export function createHash(algorithm: string): Hash {
  if (algorithm.toLowerCase() !== 'sha256') throw new Error(`Digest method not supported: ${algorithm}`);
  return new Hash();
}

export interface Ed25519Jwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

/** An ed25519 public key. There are no private KeyObjects in the browser. */
export class KeyObject {
  readonly type = 'public';
  readonly asymmetricKeyType = 'ed25519';
  /** The raw 32 bytes. */
  readonly #raw: Uint8Array;

  constructor(raw: Uint8Array) {
    this.#raw = raw;
  }

  /** Only the JWK form: `{ kty: 'OKP', crv: 'Ed25519', x }`, as Node exports it. */
  export(options: { format: string }): Ed25519Jwk {
    if (options?.format !== 'jwk') throw new BrowserCryptoError(`exporting a key as ${options?.format}`);
    return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(this.#raw).toString('base64url') };
  }

  /** The raw public key, for `verify`. */
  static rawOf(key: KeyObject): Uint8Array {
    return key.#raw;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * An ed25519 public key from `{ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }`, the one
 * form core imports. Like Node (which copies the 32 bytes into OpenSSL), the point itself is not
 * checked here; a key that is not a point fails every verification.
 */
export function createPublicKey(input: unknown): KeyObject {
  // Node derives a public key from a private KeyObject and refuses a public one; here all are public.
  if (input instanceof KeyObject) throw new TypeError('Invalid key object type public, expected private.');
  if (!isRecord(input) || input['format'] !== 'jwk') {
    throw new BrowserCryptoError('a public key from anything but an ed25519 JWK (PEM, DER or a private key)');
  }
  const jwk = input['key'];
  if (!isRecord(jwk) || jwk['kty'] !== 'OKP') {
    throw new TypeError('The "key.kty" property must be of type string and "OKP" for an ed25519 key');
  }
  if (jwk['crv'] !== 'Ed25519') throw new BrowserCryptoError(`a ${String(jwk['crv'])} key`);
  if (typeof jwk['x'] !== 'string') throw new TypeError('The "key.x" property must be of type string');
  const raw = Buffer.from(jwk['x'], 'base64url');
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES) throw new TypeError('Invalid JWK data');
  return new KeyObject(raw);
}

/**
 * `crypto.verify(null, data, key, signature)` for ed25519. Strict RFC 8032 checks (canonical
 * encodings, S below the group order), nearer OpenSSL's than ZIP-215's permissive ones.
 */
export function verify(
  algorithm: null | undefined,
  data: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
): boolean {
  if (algorithm !== null && algorithm !== undefined) {
    throw new BrowserCryptoError(`verify with ${String(algorithm)}`);
  }
  if (!(key instanceof KeyObject))
    throw new BrowserCryptoError('verify with anything but a public KeyObject');
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  return ed25519.verify(signature, data, KeyObject.rawOf(key), { zip215: false });
}

/** A random RFC 9562 version 4 UUID from the browser's `crypto.getRandomValues`. */
export function randomUUID(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function sign(): never {
  throw new BrowserCryptoError('signing (crypto.sign)');
}

export function createPrivateKey(): never {
  throw new BrowserCryptoError('reading a private key (crypto.createPrivateKey)');
}

export function generateKeyPairSync(): never {
  throw new BrowserCryptoError('generating a key pair (crypto.generateKeyPairSync)');
}
