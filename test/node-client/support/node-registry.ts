import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, sendProblem } from '../../helpers/http.ts';

export interface NodeRegistry {
  /** Registrations accepted as new (201), in order. */
  registrations: Array<Record<string, unknown>>;
  /** The public key a node id is registered with; null for an unknown node. */
  publicKeyOf(nodeId: string): string | null;
  /** Registers a node's key, as if someone registered it before. */
  setKey(nodeId: string, publicKey: string): void;
  /** Answers `POST /nodes` as the coordinator does. */
  handle(req: IncomingMessage, res: ServerResponse, body: string): void;
}

/**
 * `POST /nodes` for the fake coordinators, as the contract has it: an API key as a bearer
 * token (401 without the right one), 201 for a new node, 200 for the same registration again,
 * 409 with the fields that differ (`differences`) for another one under the same node id.
 */
export function createNodeRegistry({
  apiKey,
  keys = {},
}: {
  apiKey: string | undefined;
  /** node id → public key text of the nodes registered before. */
  keys?: Record<string, string>;
}): NodeRegistry {
  const byId = new Map<string, Record<string, unknown>>(
    Object.entries(keys).map(([node_id, public_key]) => [node_id, { node_id, public_key }]),
  );
  const registrations: Array<Record<string, unknown>> = [];
  return {
    registrations,
    publicKeyOf: (nodeId) => (byId.get(nodeId)?.['public_key'] as string | undefined) ?? null,
    setKey(nodeId, publicKey) {
      byId.set(nodeId, { node_id: nodeId, public_key: publicKey });
    },
    handle(req, res, body) {
      if (req.headers.authorization !== `Bearer ${apiKey}`)
        return sendProblem(res, 401, 'unauthorized', 'key');
      const registration = JSON.parse(body) as Record<string, unknown>;
      const nodeId = registration['node_id'] as string;
      const existing = byId.get(nodeId);
      if (existing === undefined) {
        byId.set(nodeId, registration);
        registrations.push(registration);
        // As the coordinator shows a new node: where it is reached is null when not given.
        return sendJson(res, 201, { endpoint: null, agent_url: null, ...registration });
      }
      const differences = Object.keys(registration).filter(
        (k) => k in existing && JSON.stringify(existing[k]) !== JSON.stringify(registration[k]),
      );
      if (differences.length === 0) return sendJson(res, 200, existing);
      res.writeHead(409, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'urn:vigil:problem:conflict', status: 409, differences }));
    },
  };
}
