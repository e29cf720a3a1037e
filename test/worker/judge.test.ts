import { describe, expect, it } from 'vitest';
import type { Adapter, AdapterOutcome } from '../../src/worker/adapters/adapter.ts';
import { JudgeError, judge } from '../../src/worker/judge.ts';

function answering(outcome: AdapterOutcome) {
  const inputs: unknown[] = [];
  const adapter: Adapter = {
    kind: 'module',
    async run(input) {
      inputs.push(input);
      return outcome;
    },
    async close() {},
  };
  return { adapter, inputs };
}
const says = (result: unknown) => answering({ ok: true, result }).adapter;
const sample = { payload: { n: 2 }, result: { doubled: 4 } };

describe('judge', () => {
  it('hands the adapter the payload and the result', async () => {
    const { adapter, inputs } = answering({ ok: true, result: { pass: true } });
    await judge(adapter, sample, null, 1000);
    expect(inputs).toEqual([{ payload: { n: 2 }, result: { doubled: 4 } }]);
  });

  it('takes { pass } as the verdict when the topic has no max_loss', async () => {
    expect(await judge(says({ pass: true }), sample, null, 1000)).toEqual({
      pass: true,
      loss: null,
      detail: 'pass: judge said pass',
    });
    expect(await judge(says({ pass: false, detail: 'wrong digest' }), sample, null, 1000)).toEqual({
      pass: false,
      loss: null,
      detail: 'wrong digest',
    });
  });

  it('fails a loss above max_loss and passes one at or below it', async () => {
    expect(await judge(says({ loss: 0.5 }), sample, 0.5, 1000)).toEqual({
      pass: true,
      loss: 0.5,
      detail: 'pass: loss 0.5 ≤ max 0.5',
    });
    expect(await judge(says({ loss: 3 }), sample, 1, 1000)).toEqual({
      pass: false,
      loss: 3,
      detail: 'fail: loss 3 > max 1',
    });
  });

  it('needs both to hold when the adapter gives pass and a loss', async () => {
    expect((await judge(says({ pass: false, loss: 0 }), sample, 1, 1000)).pass).toBe(false);
    expect((await judge(says({ pass: true, loss: 2 }), sample, 1, 1000)).pass).toBe(false);
    expect(await judge(says({ pass: true, loss: 2 }), sample, null, 1000)).toMatchObject({
      pass: true,
      loss: 2,
    });
  });

  it('rejects with JudgeError when the adapter fails: that is no verdict on the job', async () => {
    const { adapter } = answering({
      ok: false,
      error: { code: 'timeout', message: 'slow', retryable: true },
    });
    const error = await judge(adapter, sample, null, 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JudgeError);
    expect((error as JudgeError).failure).toEqual({ code: 'timeout', message: 'slow', retryable: true });
  });

  it.each([
    ['nothing usable', { verdict: 'ok' }, null],
    ['a string', 'pass', null],
    ['pass that is not a boolean', { pass: 'yes' }, null],
    ['a negative loss', { loss: -1 }, 1],
    ['a loss that is not a number', { loss: '3' }, 1],
    ['a loss without max_loss', { loss: 0 }, null],
  ])('rejects an answer with %s as malformed-verdict', async (_name, answer, maxLoss) => {
    const error = await judge(says(answer), sample, maxLoss, 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JudgeError);
    expect((error as JudgeError).failure.code).toBe('malformed-verdict');
  });

  it('cuts a long detail to 500 characters', async () => {
    const verdict = await judge(says({ pass: true, detail: 'd'.repeat(2000) }), sample, null, 1000);
    expect(verdict.detail).toHaveLength(500);
  });
});
