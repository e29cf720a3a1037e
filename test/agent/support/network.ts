import type { EpochMember } from '../../../src/agent/coordinator-views.ts';
import { exportPublicKey, generateKeyPair } from '../../../src/core/crypto/index.ts';

/** A member of the fake network with a fresh key. */
export function member(
  node_id: string,
  endpoint: string | null,
  agent_url: string | null = null,
): EpochMember {
  return { node_id, public_key: exportPublicKey(generateKeyPair().publicKey), endpoint, agent_url };
}
