import { nodeIdFromPublicKey } from '../core/crypto/index.ts';
import { type KeyFile, loadOrCreateKeyFile } from '../keys/key-file.ts';

export interface NodeIdentity extends KeyFile {
  /** The node id derived from the public key, for operators who do not choose their own. */
  nodeId: string;
}

/**
 * The node's ed25519 identity: loaded from `path`, or created there on first start
 * (see loadOrCreateKeyFile: mode 0600, never overwritten).
 */
export async function loadOrCreateIdentity(path: string): Promise<NodeIdentity> {
  const key = await loadOrCreateKeyFile(path, 'node key');
  return { ...key, nodeId: nodeIdFromPublicKey(key.publicKey) };
}
