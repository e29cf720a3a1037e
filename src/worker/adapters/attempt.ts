/** Why an attempt's signal fired: the worker stopped it, or it ran out of time. */
export type StopReason = 'cancelled' | 'timeout';

export interface AttemptWindow {
  /** Aborts when the caller aborts or the time is up, whichever comes first. */
  readonly signal: AbortSignal;
  /** Null while the attempt may still run. */
  stopReason(): StopReason | null;
  /** Clears the timer and the listener on the caller's signal; call when the attempt ends. */
  dispose(): void;
}

/**
 * One attempt's window: the caller's signal and its own timeout merged into one signal, keeping
 * which of the two fired, because a timeout is worth retrying and a cancellation is not.
 */
export function openAttemptWindow(callerSignal: AbortSignal, timeoutMs: number): AttemptWindow {
  const controller = new AbortController();
  let reason: StopReason | null = null;
  const stop = (why: StopReason) => {
    if (reason !== null) return;
    reason = why;
    controller.abort(new DOMException(`attempt ${why}`, why === 'timeout' ? 'TimeoutError' : 'AbortError'));
  };
  const onCallerAbort = () => stop('cancelled');
  if (callerSignal.aborted) stop('cancelled');
  else callerSignal.addEventListener('abort', onCallerAbort, { once: true });
  const timer = reason === null ? setTimeout(() => stop('timeout'), timeoutMs) : undefined;
  return {
    signal: controller.signal,
    stopReason: () => reason,
    dispose() {
      clearTimeout(timer);
      callerSignal.removeEventListener('abort', onCallerAbort);
    },
  };
}
