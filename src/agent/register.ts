import type { Logger } from '../platform/log.ts';
import { type CoordinatorClient, CoordinatorError } from './coordinator-client.ts';
import type { NodeRegistration } from './coordinator-views.ts';

/** The node id is registered with another public key: this key cannot act for it. */
export class RegistrationConflictError extends Error {
  override name = 'RegistrationConflictError';
}

/**
 * Registers the node (`POST /nodes`) unless it already is. The coordinator answers 200 for
 * the same registration, so this is safe on every start. A registration that differs only in
 * where the node is reached (endpoint, agent URL, capacity) is left as it is, with a warning
 * saying how to change it; one under another public key is an error.
 */
export async function registerNode(
  client: CoordinatorClient,
  apiKey: string,
  registration: NodeRegistration,
  log: Logger,
): Promise<'created' | 'existing'> {
  try {
    const answer = await client.registerNode(apiKey, registration);
    const outcome = answer.status === 201 ? 'created' : 'existing';
    log.info(
      { node_id: registration.node_id, outcome },
      outcome === 'created' ? 'node registered' : 'node already registered',
    );
    return outcome;
  } catch (error) {
    if (!(error instanceof CoordinatorError) || error.status !== 409) throw error;
    const differences = Array.isArray(error.problem?.['differences'])
      ? (error.problem['differences'] as string[])
      : [];
    if (differences.includes('public_key')) {
      throw new RegistrationConflictError(
        `node ${registration.node_id} is registered with another public key; use that node's key, or another --node-id`,
      );
    }
    log.warn(
      { node_id: registration.node_id, differences },
      `node already registered with a different ${differences.join(', ') || 'registration'}; left as it is (change it with PATCH /nodes/${registration.node_id})`,
    );
    return 'existing';
  }
}
