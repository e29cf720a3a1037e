import type { KeyObject } from 'node:crypto';
import { ed25519PemCodec, nodeIdFromPublicKey } from '../core/crypto/index.ts';
import { loadOrCreateKeyFile } from '../platform/key-file.ts';

export interface NodeIdentity {
  privateKey: KeyObject;
  /** The public key's text form (base64url of the raw 32 bytes). */
  publicKey: string;
  /** The node id derived from the public key, for operators who do not choose their own. */
  nodeId: string;
  /** Whether this start created the key. */
  created: boolean;
  path: string;
}

/**
 * The node's ed25519 identity: loaded from `path`, or created there on first start
 * (mode 0600, never overwritten; see loadOrCreateKeyFile).
 */
export async function loadOrCreateIdentity(path: string): Promise<NodeIdentity> {
  const { key, created } = await loadOrCreateKeyFile(path, 'node key', ed25519PemCodec);
  return { ...key, nodeId: nodeIdFromPublicKey(key.publicKey), created, path };
}
