import type { Sample } from '../core/work/protocol.ts';
import { CallAbortedError, CoordinatorError } from '../node-client/errors.ts';
import type { Logger } from '../platform/log.ts';
import { settlesWithin, sleep } from '../platform/wait.ts';
import type { Adapter } from './adapters/index.ts';
import type { WorkerCalls } from './coordinator-calls.ts';
import { JudgeError, judge } from './judge.ts';
import type { Outbox } from './outbox.ts';

/** Samples asked for per call (the contract allows 1..50). */
const SAMPLES_PER_CLAIM = 10;

export interface Verifier {
  readonly topic: string;
  /** True while judging a sample. */
  readonly busy: boolean;
  /** Stops claiming samples; lets the sample being judged finish within `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

export interface VerifierOptions {
  workerId: string;
  topic: string;
  adapter: Adapter;
  maxLoss: number | null;
  timeoutMs: number;
  intervalMs: number;
  calls: WorkerCalls;
  outbox: Outbox;
  log: Logger;
  onBusyChange?: () => void;
  onRefusal: (error: CoordinatorError) => void;
}

/**
 * Verifies one topic for one worker: every `intervalMs` (at once again when the last call
 * brought samples) it claims samples of other nodes' successful jobs, judges each with the
 * verification adapter, and puts the verdicts in the outbox. A judge that cannot give a
 * verdict (its adapter failed) sends none: the claim expires and another verifier takes it.
 */
export function startVerifier({
  workerId,
  topic,
  adapter,
  maxLoss,
  timeoutMs,
  intervalMs,
  calls,
  outbox,
  log: parentLog,
  onBusyChange = () => {},
  onRefusal,
}: VerifierOptions): Verifier {
  const log = parentLog.child({ topic, role: 'verifier' });
  const stopping = new AbortController();
  const judging = new AbortController();
  let busy = false;

  /** Samples to judge; null once stopping. */
  async function claim(): Promise<Sample[] | null> {
    try {
      return await calls.claimSamples(
        topic,
        { worker_id: workerId, max: SAMPLES_PER_CLAIM },
        stopping.signal,
      );
    } catch (error) {
      if (error instanceof CallAbortedError || stopping.signal.aborted) return null;
      if (error instanceof CoordinatorError && !error.retryable) onRefusal(error);
      log.warn({ error: (error as Error).message }, 'could not claim samples');
      return [];
    }
  }

  async function loop(): Promise<void> {
    while (!stopping.signal.aborted) {
      const samples = await claim();
      if (samples === null) return;
      for (const sample of samples) {
        if (stopping.signal.aborted) return;
        busy = true;
        onBusyChange();
        try {
          const verdict = await judge(adapter, sample, maxLoss, timeoutMs, { signal: judging.signal });
          outbox.addVerdict({ job_id: sample.job_id, worker_id: workerId, ...verdict });
          log.debug({ job_id: sample.job_id, pass: verdict.pass }, 'verdict given');
        } catch (error) {
          if (!(error instanceof JudgeError)) throw error;
          if (!judging.signal.aborted) {
            log.warn({ job_id: sample.job_id, error: error.message }, 'no verdict: the judge failed');
          }
        } finally {
          busy = false;
          onBusyChange();
        }
      }
      if (samples.length < SAMPLES_PER_CLAIM) await sleep(intervalMs, stopping.signal);
    }
  }

  const running = loop().catch((error: Error) => log.error({ error: error.message }, 'verifier failed'));
  return {
    topic,
    get busy() {
      return busy;
    },
    async stop(waitMs) {
      // The sample being judged may finish; past the wait its judge is aborted (no verdict).
      stopping.abort(new Error('stopping'));
      if (await settlesWithin(running, waitMs)) return;
      judging.abort(new Error('stopping'));
      await settlesWithin(running, 5_000);
    },
  };
}
