import { importPublicKey } from '../../core/crypto/ed25519.ts';
import type { Db } from '../../store/capabilities.ts';
import {
  deregisterNode,
  getNode,
  type NodePatch,
  type NodeRegistration,
  type NodeRow,
  type NodeWithStatus,
  patchNode,
  registerNode,
} from '../../store/repositories/nodes.ts';
import type { Store } from '../../store/store.ts';
import { badRequest, conflict, notFound } from '../errors.ts';

/** What registering and changing nodes use. */
export interface NodeRegistryDeps {
  store: Store;
  now: () => number;
}

function checkUrl(field: 'endpoint' | 'agent_url', value: string | null | undefined): void {
  if (value == null) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest(`${field} "${value}" is not a URL; give an http(s) URL such as http://10.0.0.5:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest(`${field} must be an http or https URL, not ${url.protocol}`);
  }
}

function checkUrls(body: { endpoint?: string | null; agent_url?: string | null }): void {
  checkUrl('endpoint', body.endpoint);
  checkUrl('agent_url', body.agent_url);
}

/**
 * A key must be one settlement and signed requests can use: a node registered with anything
 * else would be left out of every epoch's members without a word.
 */
function checkPublicKey(value: string | null | undefined): void {
  if (value == null) return;
  try {
    importPublicKey(value);
  } catch {
    const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
    throw badRequest(
      `public_key ${shown} is not an ed25519 public key as text: expected the raw 32-byte key in base64url without padding (43 characters), as \`vigil keys init\` prints it`,
    );
  }
}

/** A registered node (active or not), with its latest status; 404 for one never registered. */
export async function requireNode(db: Db, nodeId: string): Promise<NodeWithStatus> {
  const node = await getNode(db, nodeId);
  if (node === undefined) throw notFound(`node ${nodeId} is not registered`);
  return node;
}

/**
 * Registers a node; the same registration again changes nothing, a different one for the
 * same node id is a conflict naming what differs (a change is a PATCH).
 */
export async function register(
  { store, now }: NodeRegistryDeps,
  registration: NodeRegistration,
): Promise<{ created: boolean; node: NodeRow & Partial<NodeWithStatus> }> {
  checkUrls(registration);
  checkPublicKey(registration.public_key);
  const result = await store.transaction((trx) => registerNode(trx, registration, now()));
  if (result.outcome === 'conflict') {
    throw conflict(
      `node ${registration.node_id} is already registered with a different ${result.differences.join(', ')}; change it with PATCH /nodes/${registration.node_id}`,
      { differences: result.differences },
    );
  }
  const node = await getNode(store.db, registration.node_id);
  return { created: result.outcome === 'created', node: node ?? result.node };
}

/** Changes an active node's endpoint, agent URL, operator, topics or capacity. */
export async function changeNode(
  { store, now }: NodeRegistryDeps,
  nodeId: string,
  patch: NodePatch,
): Promise<NodeWithStatus> {
  checkUrls(patch);
  const changed = await store.transaction((trx) => patchNode(trx, nodeId, patch, now()));
  if (!changed) throw notFound(`node ${nodeId} is not registered (or was deregistered)`);
  return (await getNode(store.db, nodeId))!;
}

/** Deregisters an active node; its history is kept. */
export async function deregister({ store, now }: NodeRegistryDeps, nodeId: string): Promise<NodeWithStatus> {
  const removed = await store.transaction((trx) => deregisterNode(trx, nodeId, now()));
  if (!removed) throw notFound(`node ${nodeId} is not registered (or was already deregistered)`);
  return (await getNode(store.db, nodeId))!;
}
