import { wireText } from '../core/work/protocol.ts';
import type { Adapter, AdapterFailure } from './adapters/adapter.ts';

export interface Verdict {
  pass: boolean;
  /** The adapter's loss, when it gave one. */
  loss: number | null;
  detail: string;
}

/**
 * The judging adapter itself failed or answered neither `{ pass }` nor `{ loss }`: that says
 * nothing about the job, so no verdict is sent and the sample's claim expires for another verifier.
 */
export class JudgeError extends Error {
  readonly failure: AdapterFailure;
  constructor(failure: AdapterFailure) {
    super(`judge failed: ${failure.code}: ${failure.message}`);
    this.name = 'JudgeError';
    this.failure = failure;
  }
}

const MAX_DETAIL_CHARS = 500;

/**
 * Asks a verification adapter about one sampled job. It answers `{ pass: boolean }` or
 * `{ loss: number }` (both allowed, plus an optional `detail`). A loss fails above `maxLoss`;
 * with `maxLoss` null the adapter's `pass` decides, so a loss alone is a judge error there.
 * Rejects with JudgeError when no verdict can be given.
 */
export async function judge(
  adapter: Adapter,
  sample: { payload: unknown; result: unknown },
  maxLoss: number | null,
  timeoutMs: number,
  { signal = new AbortController().signal }: { signal?: AbortSignal } = {},
): Promise<Verdict> {
  const outcome = await adapter.run(
    { payload: sample.payload, result: sample.result },
    { signal, timeoutMs },
  );
  if (!outcome.ok) throw new JudgeError(outcome.error);
  const answer = outcome.result as { pass?: unknown; loss?: unknown; detail?: unknown } | null;
  const malformed = (why: string) =>
    new JudgeError({
      code: 'malformed-verdict',
      message: `${why}: ${JSON.stringify(answer)?.slice(0, 200)}`,
      retryable: false,
    });
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer))
    throw malformed('expected { pass } or { loss }');
  const said = answer.pass;
  const loss = answer.loss;
  if (said !== undefined && typeof said !== 'boolean') throw malformed('pass must be a boolean');
  if (loss !== undefined && (typeof loss !== 'number' || !Number.isFinite(loss) || loss < 0))
    throw malformed('loss must be a finite number ≥ 0');
  if (said === undefined && loss === undefined) throw malformed('expected { pass } or { loss }');
  if (said === undefined && maxLoss === null)
    throw malformed('a loss without pass needs the topic’s max_loss');

  const lossValue = loss ?? null;
  const withinLoss = lossValue === null || maxLoss === null || lossValue <= maxLoss;
  const pass = (said ?? true) && withinLoss;
  const detail =
    typeof answer.detail === 'string'
      ? wireText(answer.detail, MAX_DETAIL_CHARS)
      : describe(pass, said, lossValue, maxLoss);
  return { pass, loss: lossValue, detail };
}

function describe(
  pass: boolean,
  said: boolean | undefined,
  loss: number | null,
  maxLoss: number | null,
): string {
  const parts: string[] = [];
  if (said !== undefined) parts.push(`judge said ${said ? 'pass' : 'fail'}`);
  if (loss !== null && maxLoss !== null)
    parts.push(`loss ${loss} ${loss <= maxLoss ? '≤' : '>'} max ${maxLoss}`);
  else if (loss !== null) parts.push(`loss ${loss}`);
  return `${pass ? 'pass' : 'fail'}: ${parts.join(', ')}`;
}
