/** A worker's states, in the order a healthy one goes through them (`error` aside). */
export const WORKER_STATES = [
  'registered',
  'starting',
  'benchmarking',
  'ready',
  'working',
  'draining',
  'stopped',
  'error',
] as const;

export type WorkerState = (typeof WORKER_STATES)[number];

/**
 * Which state speaks for the node, best first: a node with one worker working is working,
 * whatever its others do; `error` only shows once no worker is doing anything useful.
 */
const PRECEDENCE: readonly WorkerState[] = [
  'working',
  'ready',
  'benchmarking',
  'starting',
  'draining',
  'error',
  'stopped',
];

/** What the lifecycle needs of each of a node's workers. */
export interface WorkerStateOfNode {
  enabled: boolean;
  state: WorkerState;
  reason: string | null;
  /** When the worker entered `state`. */
  state_at: number;
  /** Null until the worker's host has reported it once. */
  last_seen_at: number | null;
}

export interface NodeLifecycle {
  state: WorkerState;
  reason: string | null;
  since: number;
}

/**
 * A node's lifecycle state from its workers: `registered` while none has reported; otherwise
 * the first state of `working, ready, benchmarking, starting, draining, error, stopped` that
 * one of its enabled workers is in, since the earliest of those workers entered it, with that
 * worker's reason. Enabled workers that have not reported yet keep it `registered`; a node
 * whose workers are all disabled is `stopped`.
 */
export function nodeLifecycle(registeredAt: number, workers: readonly WorkerStateOfNode[]): NodeLifecycle {
  const reported = workers.filter((w) => w.last_seen_at !== null);
  if (reported.length === 0) {
    return { state: 'registered', reason: 'no worker has reported yet', since: registeredAt };
  }
  const enabled = workers.filter((w) => w.enabled);
  for (const state of PRECEDENCE) {
    const inState = enabled.filter((w) => w.state === state);
    const first = earliest(inState);
    if (first !== undefined) return { state, reason: first.reason, since: first.state_at };
  }
  const waiting = earliest(enabled);
  if (waiting !== undefined) {
    return { state: 'registered', reason: 'no enabled worker has reported yet', since: waiting.state_at };
  }
  const lastChange = Math.max(...reported.map((w) => w.state_at));
  return { state: 'stopped', reason: 'every worker is disabled', since: lastChange };
}

function earliest(workers: readonly WorkerStateOfNode[]): WorkerStateOfNode | undefined {
  let first: WorkerStateOfNode | undefined;
  for (const w of workers) if (first === undefined || w.state_at < first.state_at) first = w;
  return first;
}
