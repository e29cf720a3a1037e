import { loadavg } from 'node:os';

/**
 * Waits (at most 10 minutes) until the 1-minute load average is below `below`, so a
 * measurement on a shared machine is not a measurement of its neighbours. Returns the load
 * it started at.
 */
export async function waitForQuietLoad(below: number | undefined): Promise<number> {
  const deadline = Date.now() + 600_000;
  while (below !== undefined && (loadavg()[0] ?? 0) >= below && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  return loadavg()[0] ?? 0;
}
