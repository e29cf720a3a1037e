import type { Replica } from './deployers/deployer.ts';

/** What a scale-down knows of a replica besides the platform's view. */
export interface ReplicaLoad {
  busy_slots: number;
  /** core's quality score (core/work/quality.ts); 0.5 (no evidence either way) before any verdict. */
  score: number;
}

/**
 * The node whose load and score stand for a replica: the one its deployer names, else a node
 * of the replica's own name (a pod whose worker was given its pod's name as node id).
 */
export const nodeOf = (r: Replica): string => r.node_id ?? r.id;

/**
 * The replicas to stop, most preferred first (the deployer's own plan, scale-plan.ts, takes
 * these names and fills in when they are too few), when `count` should remain: the ones not yet
 * serving (starting) first, then the idle, then the lowest quality score, then the newest —
 * so a scale-down drains as little work as it can and keeps the nodes that did it well.
 */
export function rankVictims(
  replicas: readonly Replica[],
  count: number,
  /** By node id (nodeOf). */
  loads: ReadonlyMap<string, ReplicaLoad>,
): string[] {
  const live = replicas.filter((r) => r.state === 'starting' || r.state === 'running');
  const excess = live.length - Math.max(0, count);
  if (excess <= 0) return [];
  const load = (r: Replica) => loads.get(nodeOf(r)) ?? { busy_slots: 0, score: 0.5 };
  const ranked = [...live].sort(
    (a, b) =>
      Number(b.state === 'starting') - Number(a.state === 'starting') ||
      Number(load(a).busy_slots > 0) - Number(load(b).busy_slots > 0) ||
      load(a).busy_slots - load(b).busy_slots ||
      load(a).score - load(b).score ||
      (b.started_at ?? 0) - (a.started_at ?? 0) ||
      a.id.localeCompare(b.id),
  );
  return ranked.slice(0, excess).map((r) => r.id);
}
