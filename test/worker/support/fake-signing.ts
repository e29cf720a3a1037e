import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_SIGNATURE_HEADERS, sha256Hex, verifyRequest } from '../../../src/core/crypto/index.ts';
import { sendProblem } from '../../agent/support/http.ts';

export type Route = 'sync' | 'claim' | 'extend' | 'results' | 'samples' | 'verdicts' | 'nodes';

const ROUTES: Array<[RegExp, Route]> = [
  [/^\/workers\/sync$/, 'sync'],
  [/^\/topics\/[^/]+\/claim$/, 'claim'],
  [/^\/leases\/extend$/, 'extend'],
  [/^\/results$/, 'results'],
  [/^\/topics\/[^/]+\/verifications\/claim$/, 'samples'],
  [/^\/verdicts$/, 'verdicts'],
  [/^\/nodes$/, 'nodes'],
];

/** Which worker-facing call a path is; null for anything else. */
export function routeOf(path: string): Route | null {
  return ROUTES.find(([pattern]) => pattern.test(path))?.[1] ?? null;
}

/**
 * The contract's node-signed request check, as the coordinator makes it: headers present, a
 * registered key, the body's digest, the signature over method, path, digest, time and key
 * id, and no signature twice. Returns the node id, or answers 401 itself (recording why).
 */
export function checkSignatures(publicKeys: ReadonlyMap<string, string>, refusals: string[]) {
  const seen = new Set<string>();
  return (req: IncomingMessage, res: ServerResponse, body: string): string | null => {
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
    const key = publicKeys.get(keyId);
    if (key === undefined) return refuse('unknown-key');
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
