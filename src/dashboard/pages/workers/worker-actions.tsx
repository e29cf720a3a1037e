import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../../lib/api.ts';
import { type Worker, workerApiPath } from './model.ts';

/** What an action came to, said in the page's status or alert region. */
export type ActionResult = { ok: true; message: string; removed?: boolean } | { ok: false; message: string };

type Action = 'enable' | 'disable' | 'restart' | 'remove';

const DONE: Record<Action, string> = {
  enable: 'Enabled worker {id}; its host starts it at its next sync.',
  disable: 'Disabled worker {id}; its host stops it at its next sync.',
  restart: 'Restarting worker {id} (generation {generation}) at its host’s next sync.',
  remove: 'Removed worker {id}; its host stops it at its next sync.',
};

async function act(worker: Worker, action: Action): Promise<Worker> {
  const pool = worker.pool ?? '';
  if (action === 'remove') return request<Worker>('DELETE', workerApiPath(pool, worker.worker_id));
  return request<Worker>('POST', workerApiPath(pool, worker.worker_id, action));
}

/** The visible verb, and the worker it acts on for screen readers ("Disable worker n1/w0"). */
function Label({ verb, worker }: { verb: string; worker: Worker }) {
  return (
    <>
      {verb}
      <span class="visually-hidden"> worker {worker.worker_id}</span>
    </>
  );
}

/**
 * An operator's buttons for one worker: enable or disable, restart, and remove (operator-added
 * workers only) with a confirm step. The server checks the role and scope whatever is shown.
 */
export function WorkerActions({
  worker,
  onDone,
}: {
  worker: Worker;
  onDone: (result: ActionResult) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const remove = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    // Keyboard focus follows the confirm step, and comes back when it is cancelled.
    if (confirming) confirm.current?.focus();
    else if (wasConfirming.current) remove.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  async function run(action: Action): Promise<void> {
    setBusy(true);
    try {
      const after = await act(worker, action);
      onDone({
        ok: true,
        removed: action === 'remove',
        message: DONE[action]
          .replace('{id}', worker.worker_id)
          .replace('{generation}', String(after.generation)),
      });
    } catch (error) {
      onDone({
        ok: false,
        message: `Could not ${action} worker ${worker.worker_id}: ${(error as Error).message}`,
      });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  if (confirming) {
    return (
      <div class="actions">
        <button type="button" class="danger" ref={confirm} disabled={busy} onClick={() => run('remove')}>
          <Label verb="Yes, remove" worker={worker} />
        </button>
        <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
          <Label verb="Keep" worker={worker} />
        </button>
      </div>
    );
  }
  return (
    <div class="actions">
      {worker.enabled ? (
        <button type="button" disabled={busy} onClick={() => run('disable')}>
          <Label verb="Disable" worker={worker} />
        </button>
      ) : (
        <button type="button" disabled={busy} onClick={() => run('enable')}>
          <Label verb="Enable" worker={worker} />
        </button>
      )}
      <button type="button" disabled={busy} onClick={() => run('restart')}>
        <Label verb="Restart" worker={worker} />
      </button>
      {worker.source === 'api' && (
        <button type="button" class="danger" ref={remove} disabled={busy} onClick={() => setConfirming(true)}>
          <Label verb="Remove" worker={worker} />
        </button>
      )}
    </div>
  );
}

/** Where an action's outcome is said: a polite status for success, an alert for a refusal. */
export function ActionOutcome({ result }: { result: ActionResult | null }) {
  return (
    <>
      <p class="notice-ok" role="status">
        {result?.ok === true ? result.message : ''}
      </p>
      {result?.ok === false && (
        <p class="error" role="alert">
          {result.message}
        </p>
      )}
    </>
  );
}
