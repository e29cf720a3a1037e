import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_SIGNATURE_HEADERS, sha256Hex, verifyRequest } from '../../../src/core/crypto/index.ts';
import { sendProblem } from '../../helpers/http.ts';

/**
 * The contract's node-signed request check, as the coordinator makes it, for the fake
 * coordinators: headers present, a registered key, a fresh timestamp (when `now` is given),
 * the body's digest, the signature over method, path, digest, time and key id, and no
 * signature twice. The returned check gives the node id, or answers 401 itself (recording why).
 */
export function checkSignedRequests({
  publicKeyOf,
  refusals,
  now,
}: {
  publicKeyOf: (nodeId: string) => string | null | undefined;
  refusals: string[];
  now?: () => number;
}): (req: IncomingMessage, res: ServerResponse, body: string) => string | null {
  const seen = new Set<string>();
  return (req, res, body) => {
    const h = REQUEST_SIGNATURE_HEADERS;
    const keyId = req.headers[h.keyId] as string | undefined;
    const timestamp = req.headers[h.timestampMs] as string | undefined;
    const digest = req.headers[h.bodySha256] as string | undefined;
    const signature = req.headers[h.signature] as string | undefined;
    const refuse = (slug: string) => {
      refusals.push(slug);
      sendProblem(res, 401, slug, slug);
      return null;
    };
    if (!keyId || !timestamp || !digest || !signature) return refuse('signature-required');
    const key = publicKeyOf(keyId);
    if (key === null || key === undefined) return refuse('unknown-key');
    if (now !== undefined && Math.abs(Number(timestamp) - now()) > 300_000) return refuse('stale-request');
    if (sha256Hex(body) !== digest) return refuse('digest-mismatch');
    const signed = {
      method: req.method!,
      path: req.url!,
      bodySha256: digest,
      timestampMs: Number(timestamp),
      keyId,
    };
    if (!verifyRequest(signed, signature, key)) return refuse('bad-signature');
    if (seen.has(signature)) return refuse('replayed-request');
    seen.add(signature);
    return keyId;
  };
}
