import {
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { decodeBase64url } from './base64url.ts';
import { sha256Hex } from './hash.ts';

/** A public key as a KeyObject, or as its text form (base64url of the raw 32 bytes). */
export type PublicKeyInput = KeyObject | string;

export interface Ed25519KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const PUBLIC_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

function assertEd25519(key: KeyObject, type: 'public' | 'private'): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`expected an ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  }
  if (key.type !== type) throw new TypeError(`expected an ed25519 ${type} key, got a ${key.type} key`);
}

/** A fresh key pair from the operating system's randomness. */
export function generateKeyPair(): Ed25519KeyPair {
  return generateKeyPairSync('ed25519');
}

/** The public half of a private key. */
export function publicKeyOf(privateKey: KeyObject): KeyObject {
  assertEd25519(privateKey, 'private');
  return createPublicKey(privateKey);
}

/** The stable text form of a public key: base64url (no padding) of its raw 32 bytes, 43 characters. */
export function exportPublicKey(publicKey: KeyObject): string {
  assertEd25519(publicKey, 'public');
  const { x } = publicKey.export({ format: 'jwk' });
  if (x === undefined) throw new TypeError('ed25519 public key exported without its x coordinate');
  return x;
}

/** True when `text` is a public key in the form `exportPublicKey` writes. */
export function isPublicKeyText(text: unknown): text is string {
  return typeof text === 'string' && decodeBase64url(text, PUBLIC_KEY_BYTES) !== null;
}

/** Reads the text form back; throws a TypeError naming what is wrong with it. */
export function importPublicKey(text: string): KeyObject {
  if (!isPublicKeyText(text)) {
    throw new TypeError('a public key is base64url without padding of 32 raw ed25519 bytes (43 characters)');
  }
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
  } catch (cause) {
    throw new TypeError('not a valid ed25519 public key', { cause });
  }
}

function toPublicKey(key: PublicKeyInput): KeyObject {
  if (typeof key === 'string') return importPublicKey(key);
  assertEd25519(key, 'public');
  return key;
}

/** PKCS#8 PEM, the form the agent keeps on disk (OpenSSL reads it too). */
export function exportPrivateKeyPem(privateKey: KeyObject): string {
  assertEd25519(privateKey, 'private');
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Reads a PKCS#8 PEM private key; throws a TypeError unless it is an ed25519 key. */
export function importPrivateKeyPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw new TypeError('not a PEM private key', { cause });
  }
  assertEd25519(key, 'private');
  return key;
}

/**
 * A node id to suggest at registration: `node-` and the first 16 hex digits of the SHA-256
 * of the raw public key. 64 bits keep accidental collisions out of reach for any network
 * this size, and the id fits the registry's node id pattern.
 */
export function nodeIdFromPublicKey(publicKey: PublicKeyInput): string {
  const text = typeof publicKey === 'string' ? publicKey : exportPublicKey(publicKey);
  const raw = decodeBase64url(text, PUBLIC_KEY_BYTES);
  if (raw === null) throw new TypeError('not a public key text form');
  return `node-${sha256Hex(raw).slice(0, 16)}`;
}

/** An ed25519 signature (RFC 8032, deterministic) of `bytes`, as unpadded base64url. */
export function signBytes(bytes: Uint8Array, privateKey: KeyObject): string {
  assertEd25519(privateKey, 'private');
  return cryptoSign(null, bytes, privateKey).toString('base64url');
}

/**
 * True when `signature` is a valid signature of `bytes` under `publicKey`. A malformed
 * signature is false rather than an error: it comes from outside. A malformed key throws,
 * because keys come from the registry, which checked them.
 */
export function verifyBytes(bytes: Uint8Array, signature: string, publicKey: PublicKeyInput): boolean {
  const key = toPublicKey(publicKey);
  const raw = typeof signature === 'string' ? decodeBase64url(signature, SIGNATURE_BYTES) : null;
  if (raw === null) return false;
  return cryptoVerify(null, bytes, key, raw);
}

/** An ed25519 private key with its public key's text form, as a key file holds it. */
export interface Ed25519Signer {
  privateKey: KeyObject;
  /** base64url of the raw public key (`exportPublicKey`). */
  publicKey: string;
}

/** How an ed25519 key is kept in a file: PKCS#8 PEM, written fresh or read back. */
export const ed25519PemCodec = {
  generate: (): string => exportPrivateKeyPem(generateKeyPair().privateKey),
  parse(pem: string): Ed25519Signer {
    let privateKey: KeyObject;
    try {
      privateKey = importPrivateKeyPem(pem);
    } catch (error) {
      throw new Error(`is not an ed25519 private key in PEM: ${(error as Error).message}`);
    }
    return { privateKey, publicKey: exportPublicKey(publicKeyOf(privateKey)) };
  },
};
