import type { DatabaseSync } from 'node:sqlite';
import { insertSamples, type LoggedSample } from './samples.ts';

/** How long a probe waits in memory before it is logged; a crash loses at most this much. */
export const DEFAULT_SAMPLE_FLUSH_MS = 250;
/** A batch this large is written at once, whatever the time. */
const MAX_BATCH = 1000;

export interface SampleWriter {
  add(sample: LoggedSample): void;
  /** Writes what is buffered now. */
  flush(): void;
  /** Flushes and stops the timer; later samples are dropped. */
  close(): void;
}

/**
 * Writes probes to the log in batches, one transaction per batch: a thousand targets probed
 * in one interval cost a handful of commits rather than a thousand.
 */
export function createSampleWriter(
  db: DatabaseSync,
  {
    flushMs = DEFAULT_SAMPLE_FLUSH_MS,
    onError,
  }: { flushMs?: number; onError: (error: Error, lost: number) => void },
): SampleWriter {
  let buffer: LoggedSample[] = [];
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  function flush(): void {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    try {
      insertSamples(db, batch);
    } catch (error) {
      onError(error as Error, batch.length);
    }
  }

  return {
    add(sample) {
      if (closed) return;
      buffer.push(sample);
      if (buffer.length >= MAX_BATCH) flush();
      else timer ??= setTimeout(flush, flushMs);
    },
    flush,
    close() {
      flush();
      closed = true;
    },
  };
}
