import type { NodeSettlement, Settlement, SettlementParameters } from './types.ts';

/** One node's part of a settlement, and the terms every node's row was settled under. */
export interface SettledRow {
  /** The node's row exactly as settled; null when the settlement has none for it. */
  row: NodeSettlement | null;
  parameters: SettlementParameters;
  total_reward: string;
}

const ROW_KEYS = [
  'checks',
  'downtime_intervals',
  'latency_ms',
  'monitors_assigned',
  'node',
  'quorum_met',
  'quorum_required',
  'reason',
  'reports_counted',
  'reward',
  'score_ppm',
].join();

function fromWhole(document: string, nodeId: string): SettledRow {
  const s = JSON.parse(document) as Settlement;
  return {
    row: s.nodes.find((n) => n.node === nodeId) ?? null,
    parameters: s.parameters,
    total_reward: s.total_reward,
  };
}

/**
 * The node's row from the text as `canonicalJson` writes a settlement (RFC 8785: members in
 * code-unit order, no spaces), or undefined when the text is laid out any other way. The row
 * is a flat object whose strings (ids, a reason, decimal digits) hold no braces, so it runs
 * from the `{` before its node id to the `}` after; the terms are every member after `nodes`.
 */
function fromCanonical(document: string, nodeId: string): SettledRow | undefined {
  const at = document.indexOf(`"node":${JSON.stringify(nodeId)}`);
  const tail = document.lastIndexOf('],"parameters":{');
  if (at < 0 || tail < at) return undefined;
  const row = JSON.parse(
    document.slice(document.lastIndexOf('{', at), document.indexOf('}', at) + 1),
  ) as NodeSettlement;
  if (row.node !== nodeId || Object.keys(row).join() !== ROW_KEYS) return undefined;
  const terms = JSON.parse(`{${document.slice(tail + 2)}`) as Partial<Settlement>;
  if (typeof terms.total_reward !== 'string' || typeof terms.parameters?.reward_pool !== 'string') {
    return undefined;
  }
  return { row, parameters: terms.parameters, total_reward: terms.total_reward };
}

/**
 * A node's row of a stored settlement document and its terms, read from the document as it
 * was signed. A 10,000-node settlement is about 2 MB of JSON: the row is cut from the
 * canonical text rather than parsing every node's (a third of the time), and anything not
 * laid out as `canonicalJson` writes it is parsed whole, with the same answer.
 */
export function settledRowOf(document: string, nodeId: string): SettledRow {
  try {
    const found = fromCanonical(document, nodeId);
    if (found !== undefined) return found;
  } catch {
    // Not the canonical layout after all: the whole document says what it holds.
  }
  return fromWhole(document, nodeId);
}
