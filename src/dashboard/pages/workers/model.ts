/**
 * The pools and workers pages' data as the API answers it (docs/api.md, "Workers, pools and
 * verification"), and the pure shaping they show: desired against actual workers per node.
 */
export type WorkerState =
  | 'registered'
  | 'starting'
  | 'benchmarking'
  | 'ready'
  | 'working'
  | 'draining'
  | 'stopped'
  | 'error';

export interface Worker {
  worker_id: string;
  node_id: string;
  pool: string | null;
  source: 'config' | 'api';
  enabled: boolean;
  generation: number;
  topics: { topic: string; concurrency: number }[];
  verify_topics: string[];
  state: WorkerState;
  reason: string | null;
  state_at_ms: number;
  busy_slots: number;
  queue_length: number;
  benchmark: Record<string, number>;
  last_seen_at_ms: number | null;
}

export interface Pool {
  name: string;
  description: string | null;
  created_at_ms: number;
  updated_at_ms: number;
  workers: Worker[];
}

export interface StateChange {
  worker_id: string;
  state: WorkerState;
  reason: string | null;
  at_ms: number;
}

/** States in which a worker's host is running it. */
const RUNNING: ReadonlySet<WorkerState> = new Set(['starting', 'benchmarking', 'ready', 'working']);

export function isRunning(worker: Pick<Worker, 'state'>): boolean {
  return RUNNING.has(worker.state);
}

/** One node's share of a pool: how many workers the coordinator wants there and how many run. */
export interface NodeWorkers {
  node_id: string;
  /** Enabled workers: what the node's host is told to run. */
  desired: number;
  /** Workers its host reports running (starting, benchmarking, ready or working). */
  actual: number;
  disabled: number;
  /** How many workers are in each reported state, in the lifecycle's order. */
  states: [WorkerState, number][];
}

const ORDER: readonly WorkerState[] = [
  'working',
  'ready',
  'benchmarking',
  'starting',
  'registered',
  'draining',
  'stopped',
  'error',
];

/** A pool's workers by node, nodes in id order. */
export function workersByNode(workers: readonly Worker[]): NodeWorkers[] {
  const nodes = new Map<string, Worker[]>();
  for (const worker of workers) nodes.set(worker.node_id, [...(nodes.get(worker.node_id) ?? []), worker]);
  return [...nodes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([node_id, list]) => ({
      node_id,
      desired: list.filter((w) => w.enabled).length,
      actual: list.filter(isRunning).length,
      disabled: list.filter((w) => !w.enabled).length,
      states: ORDER.map((state): [WorkerState, number] => [
        state,
        list.filter((w) => w.state === state).length,
      ]).filter(([, n]) => n > 0),
    }));
}

/** "1 short", "2 extra", or '' when the node runs what it should. */
export function gap({ desired, actual }: Pick<NodeWorkers, 'desired' | 'actual'>): string {
  if (actual < desired) return `${desired - actual} short`;
  if (actual > desired) return `${actual - desired} extra`;
  return '';
}

/** "hash × 4, primes × 1". */
export function topicsText(worker: Pick<Worker, 'topics'>): string {
  return worker.topics.map((t) => `${t.topic} × ${t.concurrency}`).join(', ') || '—';
}

/** The dashboard's links: worker ids hold `/`, one path segment as %2F. */
export const workerHref = (workerId: string) => `#/workers/${encodeURIComponent(workerId)}`;
export const poolHref = (pool: string) => `#/pools/${encodeURIComponent(pool)}`;
export const nodeHref = (nodeId: string) => `#/nodes/${encodeURIComponent(nodeId)}`;

/** The API's path of a worker in its pool, or one of its actions. */
export function workerApiPath(
  pool: string,
  workerId: string,
  action?: 'enable' | 'disable' | 'restart',
): string {
  const base = `/pools/${encodeURIComponent(pool)}/workers/${encodeURIComponent(workerId)}`;
  return action === undefined ? base : `${base}/${action}`;
}
