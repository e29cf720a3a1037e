import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { nextPollDelay } from './backoff.ts';
import { reportConnection } from './connection.ts';

/** How many blocks either side of the newest arrival are kept. */
const KEEP_BLOCKS = 3;

export interface Block<T> {
  total: number;
  rows: T[];
}

export interface RowBlocks<T> {
  total: number | undefined;
  row: (index: number) => T | undefined;
  error: Error | undefined;
  /**
   * The rows from `first` to `last` are in view: fetch the blocks they need (and the next
   * ones, half a block either side, so a steady scroll finds its rows already there). Call it
   * after every render, from an effect; it changes nothing until a block arrives, so asking
   * costs no render of its own.
   */
  show: (first: number, last: number) => void;
}

/**
 * Rows of a long server-side list, fetched in blocks by index as they come into view, never
 * the whole list: `load(offset, limit)` asks the server for one block. Blocks already
 * shown are fetched again every `refreshMs` while in view, so the table stays live; a new
 * `key` (other filters or sort) starts over.
 */
export function useRowBlocks<T>({
  key,
  blockSize,
  load,
  refreshMs = 10_000,
}: {
  key: string;
  blockSize: number;
  load: (offset: number, limit: number) => Promise<Block<T>>;
  refreshMs?: number;
}): RowBlocks<T> {
  const [state, setState] = useState<{ key: string; total: number | undefined; blocks: Map<number, T[]> }>({
    key,
    total: undefined,
    blocks: new Map(),
  });
  const [error, setError] = useState<Error | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const inFlight = useRef(new Set<string>());
  const fetchedAt = useRef(new Map<string, number>());
  const current = state.key === key ? state : { key, total: undefined, blocks: new Map<number, T[]>() };
  if (current !== state) setState(current);

  // What `show` needs of this render, read when it is called.
  const latest = useRef({ key, generation, total: current.total, load });
  latest.current = { key, generation, total: current.total, load };

  const show = useCallback(
    (firstRow: number, lastRow: number) => {
      const { key, generation, total, load } = latest.current;
      const ahead = Math.floor(blockSize / 2);
      const first = Math.floor(Math.max(0, firstRow - ahead) / blockSize);
      const last = Math.floor(Math.max(0, lastRow + ahead) / blockSize);
      const poller = {};
      for (let block = first; block <= last; block++) {
        if (total !== undefined && block * blockSize >= total && block > 0) break;
        const id = `${key}#${block}#${generation}`;
        const fresh = (fetchedAt.current.get(`${key}#${block}`) ?? -1) === generation;
        if (inFlight.current.has(id) || fresh) continue;
        inFlight.current.add(id);
        load(block * blockSize, blockSize)
          .then((answer) => {
            reportConnection(poller, true);
            fetchedAt.current.set(`${key}#${block}`, generation);
            setError(undefined);
            setState((previous) => {
              if (previous.key !== key) return previous;
              // Only the blocks near this one stay: a scroll through 10,000 rows keeps a few
              // hundred, so memory (and the collector's work) does not grow with the scroll.
              const blocks = new Map<number, T[]>();
              for (const [n, rows] of previous.blocks) {
                if (Math.abs(n - block) <= KEEP_BLOCKS) blocks.set(n, rows);
                else fetchedAt.current.delete(`${key}#${n}`);
              }
              blocks.set(block, answer.rows);
              return { key, total: answer.total, blocks };
            });
          })
          .catch((failure: unknown) => {
            reportConnection(poller, false);
            setError(failure as Error);
          })
          .finally(() => inFlight.current.delete(id));
      }
    },
    [blockSize],
  );

  useEffect(() => {
    let failures = 0;
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      if (document.visibilityState === 'visible') setGeneration((n) => n + 1);
      failures = error === undefined ? 0 : failures + 1;
      timer = setTimeout(tick, nextPollDelay(refreshMs, failures));
    };
    timer = setTimeout(tick, refreshMs);
    return () => clearTimeout(timer);
  }, [key, refreshMs]);

  return {
    total: current.total,
    error,
    show,
    row: (index) => current.blocks.get(Math.floor(index / blockSize))?.[index % blockSize],
  };
}
