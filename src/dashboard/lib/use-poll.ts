import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson } from './api.ts';
import { nextPollDelay } from './backoff.ts';
import { reportConnection } from './connection.ts';

export interface Polled<T> {
  data: T | undefined;
  /** The last error, while it lasts; data keeps the last good answer meanwhile. */
  error: Error | undefined;
  loading: boolean;
  /** Fetch again now (after an action, say). */
  refresh: () => void;
}

/** How a poll reads its path: `getJson` unless the answer says more in its headers (`getLinkedPage`). */
export type PollRead<T> = (path: string, options: { signal: AbortSignal }) => Promise<T>;

/**
 * Keeps a page live: fetches `path` now and every `intervalMs` while the tab is visible,
 * backs off when the coordinator does not answer (and tells the shell, which shows
 * "reconnecting"), and catches up at once when the tab comes back. A null path fetches nothing.
 * `read` must be a stable function (a module's, not one made in the component).
 */
export function usePoll<T>(path: string | null, intervalMs = 5_000, read: PollRead<T> = getJson): Polled<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  const pathRef = useRef(path);

  useEffect(() => {
    if (pathRef.current !== path) {
      pathRef.current = path;
      setState({ data: undefined, error: undefined, loading: path !== null });
    }
    if (path === null) return;
    const poller = {};
    let failures = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    let stopped = false;

    async function poll(): Promise<void> {
      if (stopped || path === null) return;
      if (document.visibilityState === 'hidden') return; // resumed by visibilitychange
      controller = new AbortController();
      try {
        const data = await read(path, { signal: controller.signal });
        if (stopped) return;
        failures = 0;
        reportConnection(poller, true);
        setState({ data, error: undefined, loading: false });
      } catch (error) {
        if (stopped) return;
        const transient = !(error instanceof ApiError) || error.transient;
        if (transient) {
          failures += 1;
          reportConnection(poller, false);
        }
        setState((previous) => ({ data: previous.data, error: error as Error, loading: false }));
      }
      if (!stopped) timer = setTimeout(poll, nextPollDelay(intervalMs, failures));
    }

    function onVisible(): void {
      if (document.visibilityState !== 'visible') return;
      clearTimeout(timer);
      void poll();
    }
    document.addEventListener('visibilitychange', onVisible);
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      reportConnection(poller, true);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [path, intervalMs, tick]);

  return { ...state, refresh };
}
