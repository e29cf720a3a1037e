import type { NodeSettlement, Settlement, SettlementParameters } from './types.ts';

/** The terms every node's row of a settlement was settled under. */
export interface SettledTerms {
  parameters: SettlementParameters;
  total_reward: string;
}

/** One node's part of a settlement, with its terms. */
export interface SettledRow extends SettledTerms {
  /** The node's row exactly as settled; null when the settlement has none for it. */
  row: NodeSettlement | null;
}

/** Where the nodes end and the terms begin in a settlement as `canonicalJson` writes it. */
const TERMS_MARK = '],"parameters":{';

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

function parsed<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * The node's row in settlement text as `canonicalJson` writes it (RFC 8785: members in
 * code-unit order, no spaces). The row is a flat object whose strings (ids, a reason, decimal
 * digits) hold no braces, so it runs from the `{` before its node id to the `}` after.
 * Undefined when it is not found so.
 */
function canonicalRowIn(text: string, nodeId: string): NodeSettlement | undefined {
  const at = text.indexOf(`"node":${JSON.stringify(nodeId)}`);
  const start = text.lastIndexOf('{', at);
  const end = text.indexOf('}', at);
  if (at < 0 || start < 0 || end < 0) return undefined;
  const row = parsed<NodeSettlement>(text.slice(start, end + 1));
  if (row?.node !== nodeId || Object.keys(row).join() !== ROW_KEYS) return undefined;
  return row;
}

/** The terms from canonical settlement text that starts at `TERMS_MARK`; undefined otherwise. */
function canonicalTermsIn(tail: string): SettledTerms | undefined {
  if (!tail.startsWith(TERMS_MARK)) return undefined;
  const terms = parsed<Partial<Settlement>>(`{${tail.slice(2)}`);
  const reward_pool = terms?.parameters?.reward_pool;
  if (typeof terms?.total_reward !== 'string' || typeof reward_pool !== 'string') return undefined;
  return { parameters: terms.parameters as SettlementParameters, total_reward: terms.total_reward };
}

/**
 * A node's row of a stored settlement document and its terms, read from the document as it
 * was signed. A 10,000-node settlement is about 2 MB of JSON: the row is cut from the
 * canonical text rather than parsing every node's (a third of the time), and anything not
 * laid out as `canonicalJson` writes it is parsed whole, with the same answer.
 */
export function settledRowOf(document: string, nodeId: string): SettledRow {
  const row = canonicalRowIn(document, nodeId);
  const terms = canonicalTermsIn(document.slice(document.lastIndexOf(TERMS_MARK)));
  if (row !== undefined && terms !== undefined) return { row, ...terms };
  const s = JSON.parse(document) as Settlement;
  return {
    row: s.nodes.find((n) => n.node === nodeId) ?? null,
    parameters: s.parameters,
    total_reward: s.total_reward,
  };
}
