import { useState } from 'preact/hooks';
import type { BrowserVerification } from './verify-in-browser.ts';

type Outcome = { ok: true; result: BrowserVerification } | { ok: false; message: string };

function runInWorker(epoch: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./verify-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<Outcome>) => {
      resolve(event.data);
      worker.terminate();
    };
    worker.onerror = (event) => {
      resolve({ ok: false, message: event.message || 'the verification could not run' });
      worker.terminate();
    };
    worker.postMessage({ epoch });
  });
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * "Verify in this browser": downloads what the coordinator published about the epoch (its
 * reports, signatures, groups and settlement) and recomputes it with the same core code
 * `vigil verify` runs, on a worker thread, then lists each check and each difference.
 */
export function VerifyPanel({ epoch }: { epoch: number }) {
  const [state, setState] = useState<{ running: boolean; outcome?: Outcome; ms?: number }>({
    running: false,
  });

  async function verify(): Promise<void> {
    setState({ running: true });
    const started = performance.now();
    const outcome = await runInWorker(epoch);
    setState({ running: false, outcome, ms: performance.now() - started });
  }

  const outcome = state.outcome;
  return (
    <>
      <p>
        Recompute this epoch from its published reports and signatures, as{' '}
        <code>vigil verify --epoch {epoch}</code> does, without trusting this coordinator's answer.
      </p>
      <button type="button" onClick={verify} disabled={state.running}>
        {state.running ? 'Verifying…' : 'Verify in this browser'}
      </button>
      <div role="status" aria-live="polite">
        {outcome?.ok === false && <p class="error">Could not verify: {outcome.message}</p>}
        {outcome?.ok === true && (
          <p class={outcome.result.ok ? 'good' : 'bad'}>
            <strong>
              {outcome.result.ok
                ? `Verified: the settlement matches its reports (${outcome.result.summary.reports_accepted} reports, in ${Math.round(state.ms ?? 0)} ms).`
                : `${outcome.result.differences.length} difference${outcome.result.differences.length === 1 ? '' : 's'} found.`}
            </strong>
          </p>
        )}
      </div>
      {outcome?.ok === true && (
        <ol class="checks">
          {outcome.result.checks.map((check) => (
            <li key={check.check}>
              <span class={check.differences.length === 0 && check.skipped === null ? 'good' : 'bad'}>
                {check.differences.length === 0 && check.skipped === null ? '✓' : '✗'}
              </span>{' '}
              {check.title}
              {check.skipped !== null && <em> — not run: {check.skipped}</em>}
              {check.differences.length > 0 && (
                <ul>
                  {check.differences.slice(0, 50).map((d) => (
                    <li key={d.line}>
                      <code>{d.subject}</code>
                      {d.published !== undefined && (
                        <>
                          : published <code>{show(d.published)}</code>, recomputed{' '}
                          <code>{show(d.recomputed)}</code>
                        </>
                      )}
                      {d.published === undefined && <> — {d.line}</>}
                    </li>
                  ))}
                  {check.differences.length > 50 && <li>and {check.differences.length - 50} more</li>}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
