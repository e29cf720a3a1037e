/**
 * What deployers that choose their victims (process, docker) share: which replicas a scale-down
 * removes, and one scale at a time per deployer object.
 */

/** A serving replica as the choice needs it: its id and when it started (UTC ms). */
export interface Candidate {
  id: string;
  started_at: number;
}

/**
 * The replicas to remove to go from `serving.length` down to `count`: the named ones first, in
 * the order given (ids that are not serving replicas are skipped), then, if too few were named,
 * the newest, which keeps the replicas that have warmed up.
 */
export function chooseVictims<T extends Candidate>(
  serving: readonly T[],
  count: number,
  remove: readonly string[],
): T[] {
  const excess = serving.length - count;
  const victims: T[] = [];
  for (const id of remove) {
    if (victims.length >= excess) break;
    const named = serving.find((r) => r.id === id);
    if (named !== undefined && !victims.includes(named)) victims.push(named);
  }
  const rest = serving.filter((r) => !victims.includes(r)).sort((a, b) => b.started_at - a.started_at);
  while (victims.length < excess) victims.push(rest.shift() as T);
  return victims;
}

/**
 * Runs steps one after another. Ticks never overlap, but two calls on one deployer object must
 * not both pick the same victims or the same free number; `idle` resolves when none is running.
 */
export function oneAtATime() {
  let last: Promise<unknown> = Promise.resolve();
  return {
    run<T>(step: () => Promise<T>): Promise<T> {
      const next = last.then(step, step);
      last = next.catch(() => {});
      return next;
    },
    idle(): Promise<void> {
      return last.then(() => {});
    },
  };
}
