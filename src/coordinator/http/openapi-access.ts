import type { Access } from '../auth/plugin.ts';

// The OpenAPI document names each operation's access, so a client (and the dashboard) knows
// before calling which key, or which signature, an operation needs: `security` in OpenAPI's
// own terms, and `x-vigil-access` in ours (docs/api.md, "Access in the API description").
// There is no document-wide `security`: every operation says its own, so a public or a
// node-signed operation never looks bearer-protected.

/** The four headers of a node-signed request, each a scheme, all required together. */
const SIGNED_HEADERS = {
  nodeKeyId: ['x-vigil-key-id', 'The signing node’s id'],
  nodeTimestamp: ['x-vigil-timestamp-ms', 'The node’s clock, UTC milliseconds, as digits'],
  nodeContentSha256: ['x-vigil-content-sha256', 'SHA-256 hex (lowercase) of the body bytes as sent'],
  nodeSignature: [
    'x-vigil-signature',
    'base64url ed25519 signature of the signing string, with the node’s registered key (docs/api.md, node-signed requests)',
  ],
} as const;

export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer vgl_…`' },
  ...Object.fromEntries(
    Object.entries(SIGNED_HEADERS).map(([scheme, [name, description]]) => [
      scheme,
      { type: 'apiKey', in: 'header', name, description },
    ]),
  ),
} as Record<string, Record<string, string>>;

/** One requirement naming all four headers: OpenAPI reads the schemes of one object as "and". */
const NODE_SIGNED = Object.fromEntries(Object.keys(SIGNED_HEADERS).map((scheme) => [scheme, []]));

type Security = Array<Record<string, string[]>>;

/** `x-vigil-access`: "public", "read", "node-signed", or the roles that may call it (admin always may). */
export type AccessExtension = 'public' | 'read' | 'node-signed' | string[];

export function securityOf(access: Access, readsNeedKey: boolean): Security {
  if (access === 'public') return [];
  if (access === 'node-signed') return [NODE_SIGNED];
  // `{}` is OpenAPI's "no credentials": reads the operator opened work without a key.
  if (access === 'read' && !readsNeedKey) return [{}, { bearer: [] }];
  return [{ bearer: [] }];
}

export function extensionOf(access: Access): AccessExtension {
  return typeof access === 'string' ? access : [...access, 'admin'];
}

/** The access in words, for the operation's description, where people read it. */
export function accessSentence(access: Access, readsNeedKey: boolean): string {
  if (access === 'public') return 'Access: public, no key needed (a key sent anyway is checked).';
  if (access === 'node-signed') {
    return 'Access: node-signed with the node’s ed25519 key (x-vigil-key-id, x-vigil-timestamp-ms, x-vigil-content-sha256, x-vigil-signature); API keys do not count.';
  }
  if (access === 'read') {
    return readsNeedKey
      ? 'Access: a bearer API key of any role.'
      : 'Access: anyone (reads are open on this coordinator); a key sent is checked.';
  }
  return `Access: a bearer API key with role ${[...access, 'admin'].join(' or ')}.`;
}
