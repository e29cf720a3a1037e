import type { FastifyRequest } from 'fastify';
import {
  EMPTY_SHA256,
  importPublicKey,
  isPublicKeyText,
  isSha256Hex,
  REQUEST_SIGNATURE_HEADERS,
  REQUEST_SIGNATURE_SCHEME,
  sha256Hex,
  verifyRequest,
} from '../../core/crypto/index.ts';
import type { Db } from '../../store/capabilities.ts';
import { activePublicKey } from '../../store/repositories/nodes.ts';
import {
  pruneRequestSignatures,
  recordRequestSignature,
} from '../../store/repositories/request-signatures.ts';
import { ProblemError } from '../http/problem.ts';
import type { Schedule } from '../scheduler.ts';

/** Why a node-signed request was refused: the problem slugs of the contract. */
export type SignedRequestRefusal =
  | 'signature-required'
  | 'unknown-key'
  | 'stale-request'
  | 'digest-mismatch'
  | 'bad-signature'
  | 'replayed-request';

const TITLES: Record<SignedRequestRefusal, string> = {
  'signature-required': 'Signature required',
  'unknown-key': 'Unknown key',
  'stale-request': 'Stale request',
  'digest-mismatch': 'Digest mismatch',
  'bad-signature': 'Bad signature',
  'replayed-request': 'Replayed request',
};

/** The signed parts a request claimed, checked up to the body. */
interface SignedParts {
  keyId: string;
  timestampMs: number;
  bodySha256: string;
  signature: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The node id whose key signed this request, on node-signed routes; null elsewhere. */
    signer: string | null;
    signedParts?: SignedParts;
  }
}

export interface SignedRequestVerifier {
  /** Before the body is read: the headers, the key, the clock and the signature over the claimed digest. */
  checkHeaders(request: FastifyRequest): Promise<void>;
  /** Once the body is read: its digest, then whether this signature was seen before (recording it if not). */
  checkBody(request: FastifyRequest): Promise<void>;
}

const TIMESTAMP = /^\d{1,16}$/;

/** What checking signed requests uses; `onRefused` counts refusals by reason. */
interface VerifierDeps {
  db: Db;
  windowMs: number;
  now: () => number;
  onRefused: (reason: SignedRequestRefusal) => void;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** The 401 problem for a refusal, counted. */
function refuse(deps: VerifierDeps, reason: SignedRequestRefusal, detail: string): ProblemError {
  deps.onRefused(reason);
  return new ProblemError(401, reason, TITLES[reason], detail, {
    headers: { 'WWW-Authenticate': `Signature scheme="${REQUEST_SIGNATURE_SCHEME}"` },
  });
}

/** The four signature headers, present and well formed; the signature itself is checked later. */
function claimedParts(deps: VerifierDeps, request: FastifyRequest): SignedParts {
  const names = Object.values(REQUEST_SIGNATURE_HEADERS);
  const missing = names.filter((name) => header(request, name) === undefined);
  if (missing.length > 0) {
    throw refuse(
      deps,
      'signature-required',
      `this call must be signed with the node's key; missing ${missing.join(', ')}`,
    );
  }
  const keyId = header(request, REQUEST_SIGNATURE_HEADERS.keyId) as string;
  const timestampText = header(request, REQUEST_SIGNATURE_HEADERS.timestampMs) as string;
  const bodySha256 = header(request, REQUEST_SIGNATURE_HEADERS.bodySha256) as string;
  const signature = header(request, REQUEST_SIGNATURE_HEADERS.signature) as string;
  if (!TIMESTAMP.test(timestampText)) {
    throw refuse(
      deps,
      'signature-required',
      `${REQUEST_SIGNATURE_HEADERS.timestampMs} must be UTC milliseconds as digits`,
    );
  }
  if (!isSha256Hex(bodySha256)) {
    throw refuse(
      deps,
      'signature-required',
      `${REQUEST_SIGNATURE_HEADERS.bodySha256} must be the body's SHA-256 as 64 lowercase hex digits`,
    );
  }
  return { keyId, timestampMs: Number(timestampText), bodySha256, signature };
}

async function keyOf(db: Db, nodeId: string) {
  const text = await activePublicKey(db, nodeId);
  return isPublicKeyText(text) ? importPublicKey(text) : null;
}

/** Before the body is read: the headers, the key, the clock and the signature over the claimed digest. */
async function checkHeaders(deps: VerifierDeps, request: FastifyRequest): Promise<void> {
  const parts = claimedParts(deps, request);
  const { keyId, timestampMs, signature } = parts;
  const key = await keyOf(deps.db, keyId);
  if (key === null) {
    throw refuse(
      deps,
      'unknown-key',
      `key id ${JSON.stringify(keyId.slice(0, 128))} is not an active node with a public key`,
    );
  }
  const skewMs = timestampMs - deps.now();
  if (Math.abs(skewMs) > deps.windowMs) {
    throw refuse(
      deps,
      'stale-request',
      `the request's timestamp is ${Math.round(Math.abs(skewMs) / 1000)} s ${skewMs < 0 ? 'behind' : 'ahead of'} the coordinator's clock; at most ${deps.windowMs / 1000} s is accepted (check the node's clock, and sign each attempt afresh)`,
    );
  }
  const signed = { method: request.method, path: request.url, ...parts };
  if (!verifyRequest(signed, signature, key)) {
    throw refuse(
      deps,
      'bad-signature',
      `the signature does not verify with ${keyId}'s registered key over ${request.method} ${request.url}`,
    );
  }
  request.signedParts = parts;
}

/** Once the body is read: its digest, then whether this signature was seen before (recording it if not). */
async function checkBody(deps: VerifierDeps, request: FastifyRequest): Promise<void> {
  const parts = request.signedParts;
  if (parts === undefined) throw refuse(deps, 'signature-required', 'this call must be signed');
  const actual = request.rawBody === undefined ? EMPTY_SHA256 : sha256Hex(request.rawBody);
  if (actual !== parts.bodySha256) {
    throw refuse(
      deps,
      'digest-mismatch',
      `the body's SHA-256 is ${actual}, not the ${parts.bodySha256} that was signed; sign the exact bytes sent`,
    );
  }
  const fresh = await recordRequestSignature(deps.db, {
    signature: parts.signature,
    nodeId: parts.keyId,
    seenAt: deps.now(),
  });
  if (!fresh) {
    throw refuse(
      deps,
      'replayed-request',
      'this exact signed request was already received; a retry must be signed again with a fresh timestamp',
    );
  }
  request.signer = parts.keyId;
}

/**
 * Verifies node-signed requests as docs/design/peer-monitoring-contract.md says, refusing
 * each failure with a 401 problem naming it. The signature is remembered before the route
 * acts, so a replay of an accepted request is refused even while the first is in flight;
 * signatures are kept long enough to outlive the timestamp window (see signaturePruning
 * below). `onRefused` counts refusals by reason.
 */
export function createSignedRequestVerifier({
  db,
  windowMs,
  now,
  onRefused = () => {},
}: {
  db: Db;
  windowMs: number;
  now: () => number;
  onRefused?: (reason: SignedRequestRefusal) => void;
}): SignedRequestVerifier {
  const deps: VerifierDeps = { db, windowMs, now, onRefused };
  return {
    checkHeaders: (request) => checkHeaders(deps, request),
    checkBody: (request) => checkBody(deps, request),
  };
}

/**
 * Forgets signatures that can no longer be replayed. A signature is refused as stale once its
 * timestamp is a window away, which is at most two windows after it was seen; remembering it
 * that long refuses every replay.
 */
export function signaturePruning({
  db,
  windowMs,
  now,
}: {
  db: Db;
  windowMs: number;
  now: () => number;
}): Schedule {
  return {
    name: 'request signature pruning',
    intervalMs: windowMs,
    task: () => pruneRequestSignatures(db, now() - 2 * windowMs),
  };
}
