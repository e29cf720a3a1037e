import { describe, expect, it } from 'vitest';
import {
  exportPrivateKeyPem,
  exportPublicKey,
  generateKeyPair,
  importPrivateKeyPem,
  importPublicKey,
  isPublicKeyText,
  nodeIdFromPublicKey,
  publicKeyOf,
  signBytes,
  verifyBytes,
} from '../../../src/core/crypto/ed25519.ts';
import { keyFromSeed } from './keys.ts';

// RFC 8032 section 7.1, TEST 1 and TEST 2.
const TEST1 = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  message: '',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
const TEST2 = {
  seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  message: '72',
  signature:
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};

const b64url = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');

describe('ed25519', () => {
  it('matches the RFC 8032 test vectors', () => {
    for (const vector of [TEST1, TEST2]) {
      const privateKey = keyFromSeed(vector.seed);
      const publicKey = publicKeyOf(privateKey);
      expect(exportPublicKey(publicKey)).toBe(b64url(vector.publicKey));
      const message = Buffer.from(vector.message, 'hex');
      expect(signBytes(message, privateKey)).toBe(b64url(vector.signature));
      expect(verifyBytes(message, b64url(vector.signature), b64url(vector.publicKey))).toBe(true);
    }
  });

  it('round-trips a fresh key pair through its text forms', () => {
    const { publicKey, privateKey } = generateKeyPair();
    const text = exportPublicKey(publicKey);
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(exportPublicKey(importPublicKey(text))).toBe(text);
    const restored = importPrivateKeyPem(exportPrivateKeyPem(privateKey));
    expect(exportPublicKey(publicKeyOf(restored))).toBe(text);
    const message = new TextEncoder().encode('hello');
    const signature = signBytes(message, restored);
    expect(verifyBytes(message, signature, text)).toBe(true);
    expect(verifyBytes(message, signature, publicKey)).toBe(true);
  });

  it('refuses a signature by another key, of other bytes, or malformed', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const message = Buffer.from('report');
    const signature = signBytes(message, a.privateKey);
    expect(verifyBytes(message, signature, b.publicKey)).toBe(false);
    expect(verifyBytes(Buffer.from('reporT'), signature, a.publicKey)).toBe(false);
    expect(verifyBytes(message, signature.slice(1), a.publicKey)).toBe(false);
    expect(verifyBytes(message, `${signature}A`, a.publicKey)).toBe(false);
    expect(verifyBytes(message, signature.replace(/.$/, '='), a.publicKey)).toBe(false);
    expect(verifyBytes(message, '', a.publicKey)).toBe(false);
  });

  it('accepts only the canonical text form of a public key', () => {
    const text = b64url(TEST1.publicKey);
    expect(isPublicKeyText(text)).toBe(true);
    expect(isPublicKeyText(`${text}=`)).toBe(false);
    expect(isPublicKeyText(text.slice(0, 42))).toBe(false);
    expect(isPublicKeyText(Buffer.from(TEST1.publicKey, 'hex').toString('base64'))).toBe(false);
    expect(isPublicKeyText(42)).toBe(false);
    expect(() => importPublicKey('not a key')).toThrow(/base64url without padding of 32 raw ed25519 bytes/);
  });

  it('refuses keys of the wrong kind', () => {
    const { publicKey, privateKey } = generateKeyPair();
    expect(() => exportPublicKey(privateKey)).toThrow(/expected an ed25519 public key/);
    expect(() => signBytes(Buffer.alloc(0), publicKey)).toThrow(/expected an ed25519 private key/);
    expect(() => importPrivateKeyPem('-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----')).toThrow(
      /not a PEM private key/,
    );
  });

  it('suggests a node id from the key that fits the registry pattern', () => {
    const id = nodeIdFromPublicKey(b64url(TEST1.publicKey));
    expect(id).toMatch(/^node-[0-9a-f]{16}$/);
    expect(nodeIdFromPublicKey(importPublicKey(b64url(TEST1.publicKey)))).toBe(id);
    expect(nodeIdFromPublicKey(b64url(TEST2.publicKey))).not.toBe(id);
  });
});
