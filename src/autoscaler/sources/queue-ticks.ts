import type { JobQueue } from '../../queue/queue.ts';
import type { TickReason, TickSource } from './source.ts';

export interface QueueTickOptions {
  /** The topics whose pools are scaled. */
  topics: readonly string[];
  pollMs: number;
  /** Ready jobs must grow by at least this share (and by one) since the last look to tick. */
  growth?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * Ticks when a topic's queue grows, so a burst is answered in a fraction of a second instead
 * of at the next interval: every `pollMs` it reads the queue's depth (one cheap query or Redis
 * call for all topics) and ticks when a topic's ready jobs went from none to some, or grew by
 * `growth` since the last look. Reads never overlap; a failed read is reported and retried.
 */
export function queueTicks(queue: JobQueue, options: QueueTickOptions): TickSource {
  const { topics, pollMs, growth = 0.1, now = Date.now, onError } = options;
  const watched = new Set(topics);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  const last = new Map<string, number>();

  return {
    kind: 'queue',
    start(onTick) {
      const look = async () => {
        try {
          const at = now();
          const grew: string[] = [];
          for (const s of await queue.stats(at)) {
            if (!watched.has(s.topic)) continue;
            const before = last.get(s.topic) ?? 0;
            if (s.ready > before && s.ready - before >= Math.max(1, before * growth)) grew.push(s.topic);
            last.set(s.topic, s.ready);
          }
          if (grew.length > 0 && !stopped)
            onTick({ reason: 'queue' as TickReason, at, detail: { topics: grew } });
        } catch (error) {
          onError?.(error);
        }
      };
      const loop = () => {
        if (stopped) return;
        running = look().finally(() => {
          if (!stopped) timer = setTimeout(loop, pollMs);
        });
      };
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
