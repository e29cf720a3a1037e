import { CoordinatorError, createCoordinatorClient } from '../agent/coordinator-client.ts';
import { registerNode } from '../agent/register.ts';
import type { NodeIdentity } from '../node-client/identity.ts';
import type { Logger } from '../platform/log.ts';
import { backoffMs } from '../platform/retry.ts';
import { createWaker } from '../platform/wait.ts';

/**
 * Registers the node (`POST /nodes`, idempotent) with the API key, through the agent's own
 * registration, so a worker and an agent on one node register it alike. A refusal for good
 * (another key holds the node id, a key without the role) throws; a coordinator that does not
 * answer yet is tried again in the background (the returned stop ends that), while the host's
 * syncs are refused as unknown-key and retried until the registration lands.
 */
export async function registerWorkerNode({
  coordinatorUrl,
  nodeId,
  identity,
  apiKey,
  maxParallel,
  requestTimeoutMs,
  log,
}: {
  coordinatorUrl: string;
  nodeId: string;
  identity: NodeIdentity;
  apiKey: string;
  maxParallel: number;
  requestTimeoutMs: number;
  log: Logger;
}): Promise<() => Promise<void>> {
  const client = createCoordinatorClient({
    baseUrl: coordinatorUrl,
    nodeId,
    privateKey: identity.privateKey,
    requestTimeoutMs,
  });
  const registration = {
    node_id: nodeId,
    public_key: identity.publicKey,
    endpoint: null,
    agent_url: null,
    max_parallel: maxParallel,
  };
  try {
    await registerNode(client, apiKey, registration, log);
    return async () => client.close();
  } catch (error) {
    if (!(error instanceof CoordinatorError && error.retryable)) {
      client.close();
      throw error;
    }
    log.warn({ error: error.message }, 'could not register the node yet; trying again in the background');
  }
  const waker = createWaker();
  let stopped = false;
  const retrying = (async () => {
    for (let attempt = 1; !stopped; attempt++) {
      await waker.sleep(backoffMs(attempt, { initialMs: 1_000, maxMs: 30_000 }));
      if (stopped) return;
      try {
        await registerNode(client, apiKey, registration, log);
        return;
      } catch (error) {
        if (!(error instanceof CoordinatorError && error.retryable)) {
          log.error({ error: (error as Error).message }, 'registration refused');
          return;
        }
      }
    }
  })();
  return async () => {
    stopped = true;
    client.close();
    waker.wake();
    await retrying;
  };
}
