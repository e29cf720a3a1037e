import { describe, expect, it } from 'vitest';
import { exportPublicKey, generateKeyPair } from '../../../src/core/crypto/ed25519.ts';
import { EMPTY_SHA256, sha256Hex } from '../../../src/core/crypto/hash.ts';
import {
  type RequestToSign,
  signingString,
  signRequest,
  verifyRequest,
} from '../../../src/core/crypto/signed-request.ts';

const body = '{"epoch":7}';
const request: RequestToSign = {
  method: 'post',
  path: '/epochs/7/reports',
  bodySha256: sha256Hex(body),
  timestampMs: 1_700_000_000_000,
  keyId: 'node-1',
};

describe('signed requests', () => {
  it('signs one line per part after the scheme, method upper-cased', () => {
    expect(signingString(request)).toBe(
      `vigil-request-v1\nPOST\n/epochs/7/reports\n${sha256Hex(body)}\n1700000000000\nnode-1`,
    );
    expect(EMPTY_SHA256).toBe(sha256Hex(''));
  });

  it('verifies the same parts and refuses any change', () => {
    const { publicKey, privateKey } = generateKeyPair();
    const signature = signRequest(request, privateKey);
    expect(verifyRequest(request, signature, publicKey)).toBe(true);
    expect(verifyRequest({ ...request, method: 'POST' }, signature, exportPublicKey(publicKey))).toBe(true);
    const changed: RequestToSign[] = [
      { ...request, method: 'PUT' },
      { ...request, path: '/epochs/8/reports' },
      { ...request, bodySha256: sha256Hex('{"epoch":8}') },
      { ...request, timestampMs: request.timestampMs + 1 },
      { ...request, keyId: 'node-2' },
    ];
    for (const other of changed) expect(verifyRequest(other, signature, publicKey)).toBe(false);
    expect(verifyRequest(request, signature, generateKeyPair().publicKey)).toBe(false);
  });

  it('refuses parts that could blur the line structure', () => {
    expect(() => signingString({ ...request, path: '/a\nPOST' })).toThrow(/path/);
    expect(() => signingString({ ...request, path: 'epochs' })).toThrow(/path must start with \//);
    expect(() => signingString({ ...request, keyId: 'a b' })).toThrow(/key id/);
    expect(() => signingString({ ...request, method: 'GET\n' })).toThrow(/method/);
    expect(() => signingString({ ...request, bodySha256: 'ABC' })).toThrow(/body digest/);
    expect(() => signingString({ ...request, timestampMs: 1.5 })).toThrow(/timestamp/);
    const { privateKey, publicKey } = generateKeyPair();
    const signature = signRequest(request, privateKey);
    expect(verifyRequest({ ...request, keyId: 'node-1\n' }, signature, publicKey)).toBe(false);
  });
});
