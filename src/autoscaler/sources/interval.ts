import { type Logger, silentLogger } from '../../platform/log.ts';
import { SourceConfigError, type TickSource } from './source.ts';
import { requireMs } from './validate.ts';

/** A tick every `interval_ms`: the autoscaler's heartbeat when nothing else makes it tick. */
export interface IntervalTickConfig {
  kind: 'interval';
  interval_ms: number;
}

const KIND = 'interval';

/** Checks `config` and returns a source that ticks every `interval_ms` once started. */
export function createIntervalTickSource(
  config: IntervalTickConfig,
  { now = Date.now, log = silentLogger }: { now?: () => number; log?: Logger } = {},
): TickSource {
  if (config.interval_ms === undefined) throw new SourceConfigError(KIND, 'interval_ms', 'is required');
  const intervalMs = requireMs(KIND, 'interval_ms', config.interval_ms, 0);
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;

  return {
    kind: KIND,
    start(onTick) {
      if (started) throw new Error(`${KIND} source: already started`);
      started = true;
      let count = 0;
      // The next tick is armed after this one's callback returns, as `every` does, so a slow
      // callback delays the next tick instead of piling ticks up.
      const tick = () => {
        if (stopped) return;
        count += 1;
        try {
          onTick({ reason: KIND, at: now(), detail: { count, interval_ms: intervalMs } });
        } catch (error) {
          log.error({ err: error, source: KIND }, 'interval source: the tick callback threw');
        }
        if (!stopped) timer = setTimeout(tick, intervalMs);
      };
      timer = setTimeout(tick, intervalMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
