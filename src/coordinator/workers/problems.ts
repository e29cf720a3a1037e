import { badRequest, Conflict, NotFound, Unprocessable } from '../errors.ts';

/** The problems of the pool and worker calls, named as docs/design/work-contract.md names them. */
export const unknownPool = (pool: string) =>
  new NotFound('unknown-pool', 'Unknown pool', `there is no pool ${pool}; create it with POST /pools`);

export const workerNotInPool = (pool: string, workerId: string) =>
  new NotFound(
    'unknown-worker',
    'Unknown worker',
    `pool ${pool} has no worker ${workerId}; GET /pools/${pool} lists its workers`,
  );

export const unknownTopics = (names: readonly string[]) =>
  new Unprocessable(
    'unknown-topic',
    'Unknown topic',
    `no topic ${names.join(', ')}; declare it in the configuration or with POST /topics`,
    { extras: { topics: names } },
  );

/** `todo` says what to do in the host's configuration instead, e.g. "change its topics". */
export const workerFromConfig = (workerId: string, nodeId: string, todo: string) =>
  new Conflict(
    'worker-from-config',
    'Worker from configuration',
    `worker ${workerId} is declared by node ${nodeId}'s own configuration; ${todo} there (enable, disable and restart work here)`,
  );

/** A topic listed twice would give one worker two concurrencies for it. */
export function checkDistinctTopics(topics: ReadonlyArray<{ topic: string }> | undefined): void {
  if (topics === undefined) return;
  const seen = new Set<string>();
  for (const { topic } of topics) {
    if (seen.has(topic))
      throw badRequest(`topics lists ${topic} twice; give each topic once with its concurrency`);
    seen.add(topic);
  }
}
