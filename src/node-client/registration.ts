import type { Logger } from '../platform/log.ts';
import { backoffMs } from '../platform/retry.ts';
import { createWaker } from '../platform/wait.ts';
import { CallAbortedError, CoordinatorError } from './errors.ts';
import type { SignedClient } from './signed-client.ts';

/**
 * The body of `POST /nodes`: who the node is and where it is reached. A field left out is
 * "not given": the coordinator keeps what another registration of the node (its agent's, say)
 * set (decision 0008), so each role registers only what it knows.
 */
export interface NodeRegistration {
  node_id: string;
  public_key: string;
  endpoint?: string | null;
  agent_url?: string | null;
  max_parallel: number;
}

/** The node id is registered with another public key: this key cannot act for it. */
export class RegistrationConflictError extends Error {
  override name = 'RegistrationConflictError';
}

/**
 * Registers the node (`POST /nodes` with an API key of the node or operator role) unless it
 * already is. The coordinator answers 200 for the same registration, so this is safe on every
 * start. A registration that differs only in where the node is reached (endpoint, agent URL,
 * capacity) is left as it is, with a warning saying how to change it; one under another
 * public key is a RegistrationConflictError.
 */
export async function registerNode(
  client: SignedClient,
  apiKey: string,
  registration: NodeRegistration,
  log: Logger,
  signal?: AbortSignal,
): Promise<'created' | 'existing'> {
  try {
    const answer = await client.postWithApiKey('/nodes', apiKey, JSON.stringify(registration), { signal });
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

export interface RegistrationOptions {
  client: SignedClient;
  apiKey: string;
  /** The node's key, as registered: its id's public key. */
  publicKey: string;
  /** Where the node is reached and how much it runs at once: the rest of its registration. */
  reach: Omit<NodeRegistration, 'node_id' | 'public_key'>;
  log: Logger;
  /** Waits between background attempts: the first up to `initialMs`, doubling up to `maxMs`. */
  backoff: { initialMs: number; maxMs: number };
  random?: () => number;
}

export interface Registration {
  /** Ends the background attempts, if any, cutting the one in flight. */
  stop(): Promise<void>;
}

/**
 * Registers the node now, or, when the coordinator cannot say yes yet (no answer, 5xx, a 401
 * for a key an operator may still create), keeps trying in the background with backoff, while
 * the node's own signed calls are refused as unknown-key and retried until it lands. A refusal
 * for good (another key holds the node id, a key without the role) throws at once, or, in the
 * background, is logged and ends the attempts.
 */
export async function startRegistration(options: RegistrationOptions): Promise<Registration> {
  const { client, apiKey, log } = options;
  const registration = { node_id: client.nodeId, public_key: options.publicKey, ...options.reach };
  try {
    await registerNode(client, apiKey, registration, log);
    return { stop: async () => {} };
  } catch (error) {
    if (!(error instanceof CoordinatorError && error.retryable)) throw error;
    log.warn({ error: error.message }, 'could not register the node yet; trying again in the background');
  }
  return retryInBackground(options, registration);
}

function retryInBackground(
  { client, apiKey, log, backoff, random }: RegistrationOptions,
  registration: NodeRegistration,
): Registration {
  const waker = createWaker();
  const stopping = new AbortController();
  const retrying = (async () => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      await waker.sleep(backoffMs(attempt, { ...backoff, ...(random === undefined ? {} : { random }) }));
      if (stopping.signal.aborted) return;
      try {
        await registerNode(client, apiKey, registration, log, stopping.signal);
        return;
      } catch (error) {
        if (error instanceof CallAbortedError) return;
        if (!(error instanceof CoordinatorError && error.retryable)) {
          log.error({ error: (error as Error).message }, 'registration refused');
          return;
        }
      }
    }
  })();
  return {
    async stop() {
      stopping.abort(new Error('stopping'));
      waker.wake();
      await retrying;
    },
  };
}
