import { useState } from 'preact/hooks';
import { ApiError, request } from '../../lib/api.ts';
import { type ScaledTarget, targetApiPath } from './model.ts';

/** What an action came to, said in the panel's status or alert region. */
export type ActionResult = { ok: true; message: string } | { ok: false; message: string };

type Patch = { paused?: boolean | null; min_replicas?: number | null; max_replicas?: number | null };

async function patchTarget(name: string, patch: Patch): Promise<ScaledTarget> {
  return request<ScaledTarget>('PATCH', targetApiPath(name), patch);
}

/** A refusal in words; bounds out of order (409 invalid-bounds) said plainly. */
function refusal(what: string, error: unknown): string {
  if (error instanceof ApiError && error.status === 409)
    return `The minimum cannot be above the maximum: ${error.detail || error.message}.`;
  return `Could not ${what}: ${(error as Error).message}`;
}

/**
 * An operator's controls for one target: pause or resume, and move its bounds (or return them
 * to the configuration's). The acting autoscaler reads the change at its next tick; the server
 * checks the role whatever is shown.
 */
export function TargetActions({
  target,
  onDone,
}: {
  target: ScaledTarget;
  onDone: (result: ActionResult) => void;
}) {
  const [busy, setBusy] = useState(false);
  // Null until edited, so the form follows the polled target until the operator types.
  const [min, setMin] = useState<string | null>(null);
  const [max, setMax] = useState<string | null>(null);
  const minShown = min ?? String(target.min_replicas);
  const maxShown = max ?? String(target.max_replicas);
  const boundsChanged =
    target.changed_by_operator.includes('min_replicas') ||
    target.changed_by_operator.includes('max_replicas');

  async function run(what: string, patch: Patch, done: (after: ScaledTarget) => string): Promise<void> {
    setBusy(true);
    try {
      const after = await patchTarget(target.name, patch);
      setMin(null);
      setMax(null);
      onDone({ ok: true, message: done(after) });
    } catch (error) {
      onDone({ ok: false, message: refusal(what, error) });
    } finally {
      setBusy(false);
    }
  }

  function togglePaused(): void {
    const pause = !target.paused;
    void run(pause ? `pause ${target.name}` : `resume ${target.name}`, { paused: pause }, () =>
      pause
        ? `Paused ${target.name}; the autoscaler holds its count from its next tick.`
        : `Resumed ${target.name}; the autoscaler scales it again from its next tick.`,
    );
  }

  function setBounds(event: Event): void {
    event.preventDefault();
    void run(
      `set the bounds of ${target.name}`,
      { min_replicas: Number(minShown), max_replicas: Number(maxShown) },
      (after) =>
        `${target.name} now scales between ${after.min_replicas} and ${after.max_replicas} replicas.`,
    );
  }

  function resetBounds(): void {
    void run(
      `reset the bounds of ${target.name}`,
      { min_replicas: null, max_replicas: null },
      (after) =>
        `${target.name} is back to the configuration’s bounds, ${after.min_replicas} to ${after.max_replicas}.`,
    );
  }

  return (
    <>
      <div class="actions">
        <button type="button" disabled={busy} onClick={togglePaused}>
          {target.paused ? 'Resume' : 'Pause'}
          <span class="visually-hidden"> {target.name}</span>
        </button>
      </div>
      <form class="toolbar" aria-label={`Bounds of ${target.name}`} onSubmit={setBounds}>
        <label>
          Min replicas
          <input
            name="min_replicas"
            type="number"
            min={0}
            max={10_000}
            step={1}
            required
            value={minShown}
            onInput={(event) => setMin((event.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <label>
          Max replicas
          <input
            name="max_replicas"
            type="number"
            min={1}
            max={10_000}
            step={1}
            required
            value={maxShown}
            onInput={(event) => setMax((event.currentTarget as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Set bounds
        </button>
        {boundsChanged && (
          <button type="button" disabled={busy} onClick={resetBounds}>
            Use the configuration’s bounds
          </button>
        )}
      </form>
    </>
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
