import type { Logger } from '../platform/log.ts';

/** A named task a feature wants run periodically; the coordinator starts and stops it. */
export interface Schedule {
  name: string;
  intervalMs: number;
  task: () => Promise<unknown>;
  /** Run once as soon as the coordinator starts, not only after the first interval. */
  runAtStart?: boolean;
}

export interface Periodic {
  /** Stops the loop and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `task` every `intervalMs`, never two at once: the next run is scheduled when the
 * previous one ends, so a slow run delays the next instead of piling runs up. A failing run
 * is logged and the loop goes on.
 */
export function every({
  name,
  intervalMs,
  task,
  log,
  runAtStart = false,
}: Schedule & { log: Logger }): Periodic {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const run = () => {
    current = (async () => {
      try {
        await task();
      } catch (err) {
        log.error({ err, task: name }, `${name} failed`);
      }
      if (!stopped) timer = setTimeout(run, intervalMs);
    })();
  };
  timer = setTimeout(run, runAtStart ? 0 : intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
