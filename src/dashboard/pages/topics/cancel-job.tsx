import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../../lib/api.ts';

/**
 * Cancels a queued or running job (POST /jobs/{job_id}/cancel), after a second click that
 * says what it does. `onDone` refreshes the page, which then shows the new status.
 */
export function CancelJob({
  jobId,
  running,
  onDone,
}: {
  jobId: string;
  running: boolean;
  onDone: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  // The button that was clicked is gone: keyboard focus moves to the one that replaced it.
  useEffect(() => {
    if (asking) confirm.current?.focus();
  }, [asking]);

  async function cancel(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await request('POST', `/jobs/${encodeURIComponent(jobId)}/cancel`);
      setAsking(false);
      onDone();
    } catch (failure) {
      setError(`The job was not cancelled: ${(failure as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="actions">
      {asking ? (
        <>
          <p id="cancel-consequence">
            {running
              ? 'Its worker stops at its next lease extension, and a result it still sends is discarded.'
              : 'It leaves the queue now and will not run.'}
          </p>
          <button
            ref={confirm}
            type="button"
            class="danger"
            disabled={busy}
            aria-describedby="cancel-consequence"
            onClick={cancel}
          >
            {busy ? 'Cancelling…' : 'Yes, cancel the job'}
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => setAsking(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" class="danger" onClick={() => setAsking(true)}>
          Cancel job
        </button>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
