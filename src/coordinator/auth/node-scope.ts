import type { Db } from '../../store/capabilities.ts';
import { operatorsOf } from '../../store/repositories/nodes.ts';
import { NotPermitted } from '../errors.ts';
import type { VerifiedKey } from './keys.ts';

// Which nodes a key may act for, on the routes that write for a node (register, change,
// deregister, heartbeats, outcomes). Roles say what a key may do; this says for whom: a node
// key only as its own node, an operator key with an operator only for that operator's nodes
// (decision 0030). Admins, and operator keys without an operator, act for every node.

function refuse(detail: string): never {
  throw new NotPermitted('forbidden', 'Forbidden', detail);
}

/** The operator a registration must carry for this key, or undefined when any will do. */
export function registeringOperator(
  actor: VerifiedKey | null,
  named: string | null | undefined,
): string | undefined {
  if (actor?.role !== 'operator' || actor.operator === null) return undefined;
  if (named != null && named !== actor.operator) {
    refuse(`this operator key acts for operator ${actor.operator}; it may not register a node for ${named}`);
  }
  return actor.operator;
}

/** Refuses (403) a scoped operator key's change of a node's operator to anything but its own. */
export function requireKeepsOperator(actor: VerifiedKey | null, operator: string | null): void {
  if (actor?.role !== 'operator' || actor.operator === null || operator === actor.operator) return;
  refuse(
    `this operator key acts for operator ${actor.operator}; it may not give a node to ${operator ?? 'no operator'}`,
  );
}

/**
 * Refuses (403) unless `actor` may act for every one of `nodeIds`. Nodes that are not
 * registered pass here: the route's own check says 404 or 422 for them, whoever asks.
 */
export async function requireActsFor(
  db: Db,
  actor: VerifiedKey | null,
  nodeIds: readonly string[],
): Promise<void> {
  if (actor === null || actor.role === 'admin') return;
  if (actor.role === 'node') {
    if (actor.node_id === null) {
      refuse(
        `node key ${actor.prefix}… was made before keys named their node and acts for none; create one with \`vigil keys create --role node --node <node-id>\``,
      );
    }
    const other = nodeIds.find((id) => id !== actor.node_id);
    if (other !== undefined) refuse(`this node key acts only as node ${actor.node_id}, not as ${other}`);
    return;
  }
  if (actor.role !== 'operator' || actor.operator === null) return;
  const operators = await operatorsOf(db, [...new Set(nodeIds)]);
  for (const [nodeId, operator] of operators) {
    if (operator !== actor.operator) {
      refuse(
        `this operator key acts for operator ${actor.operator}'s nodes; node ${nodeId} is not one of them`,
      );
    }
  }
}
