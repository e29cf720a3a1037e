import type { KeyObject } from 'node:crypto';
import { type PublicKeyInput, signBytes, verifyBytes } from './ed25519.ts';
import { isSha256Hex } from './hash.ts';

/** What a node signs when it acts through the API. The coordinator checks the time window and replays. */
export interface RequestToSign {
  /** HTTP method; signed upper-cased. */
  method: string;
  /** The request target as sent: path and query string, e.g. `/epochs/7/reports?x=1`. */
  path: string;
  /** SHA-256 of the body bytes as sent, lowercase hex (`EMPTY_SHA256` without a body). */
  bodySha256: string;
  timestampMs: number;
  /** Who signs: the node id whose registered key verifies the signature. */
  keyId: string;
}

/** Versioned so a future layout cannot be confused with this one. */
export const REQUEST_SIGNATURE_SCHEME = 'vigil-request-v1';

/** Suggested header names carrying the signed parts, shared by the agent and the coordinator. */
export const REQUEST_SIGNATURE_HEADERS = {
  keyId: 'x-vigil-key-id',
  timestampMs: 'x-vigil-timestamp-ms',
  bodySha256: 'x-vigil-content-sha256',
  signature: 'x-vigil-signature',
} as const;

const METHOD = /^[A-Za-z]+$/;
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * The exact text signed: the scheme and the five parts, one per line. Every part is
 * checked to hold no line break, so no two different requests share a signing string;
 * throws a TypeError naming the part that is malformed.
 */
export function signingString({ method, path, bodySha256, timestampMs, keyId }: RequestToSign): string {
  if (!METHOD.test(method))
    throw new TypeError(`request method must be letters only, got ${JSON.stringify(method)}`);
  if (!path.startsWith('/') || !VISIBLE_ASCII.test(path)) {
    throw new TypeError(
      'request path must start with / and hold only visible ASCII (percent-encode the rest)',
    );
  }
  if (!isSha256Hex(bodySha256)) throw new TypeError('body digest must be SHA-256 as 64 lowercase hex digits');
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new TypeError('request timestamp must be a non-negative integer of UTC milliseconds');
  }
  if (!VISIBLE_ASCII.test(keyId)) throw new TypeError('key id must be non-empty visible ASCII');
  return [REQUEST_SIGNATURE_SCHEME, method.toUpperCase(), path, bodySha256, String(timestampMs), keyId].join(
    '\n',
  );
}

/** Signs a request with the node's private key; returns the signature as base64url. */
export function signRequest(request: RequestToSign, privateKey: KeyObject): string {
  return signBytes(Buffer.from(signingString(request), 'utf8'), privateKey);
}

/**
 * True when the signature covers exactly these parts under `publicKey`. Malformed parts are
 * false; call `signingString` to learn which part is wrong.
 */
export function verifyRequest(request: RequestToSign, signature: string, publicKey: PublicKeyInput): boolean {
  let text: string;
  try {
    text = signingString(request);
  } catch {
    return false;
  }
  return verifyBytes(Buffer.from(text, 'utf8'), signature, publicKey);
}
