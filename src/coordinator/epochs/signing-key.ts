import type { KeyObject } from 'node:crypto';
import { ed25519PemCodec } from '../../core/crypto/index.ts';
import { loadOrCreateKeyFile } from '../../platform/key-file.ts';

/** The coordinator's ed25519 key that signs settlements. */
export interface CoordinatorKey {
  privateKey: KeyObject;
  /** base64url of the raw public key, as GET /coordinator/identity shows it. */
  publicKey: string;
  path: string;
  /** Whether this start created it. */
  created: boolean;
}

/**
 * Loads the coordinator key from `auth.signing_key_path`, creating it (mode 0600) on first
 * start. It is never overwritten: every settlement this coordinator signed verifies with it,
 * so losing it breaks the chain's signatures (docs/operations.md).
 */
export async function loadCoordinatorKey(path: string): Promise<CoordinatorKey> {
  const { key, created } = await loadOrCreateKeyFile(path, 'coordinator key', ed25519PemCodec);
  return { ...key, path, created };
}
