import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../../../src/worker/adapters/index.ts';
import { judge } from '../../../src/worker/judge.ts';
import { never } from './support.ts';

// The example adapters `vigil up` and the docs use, run through the real adapters.

const examples = fileURLToPath(new URL('../../../examples/adapters/', import.meta.url));
const run = { signal: never(), timeoutMs: 10_000 };

const command = (script: string) =>
  createAdapter(
    { kind: 'command', command: process.execPath, args: [script], env: {}, cwd: null },
    { baseDir: examples },
  );
const module = (path: string) =>
  createAdapter({ kind: 'module', path, export: 'default' }, { baseDir: examples });

function chain(data: string, rounds: number): string {
  let digest = createHash('sha256').update(data).digest();
  for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

describe('sha256-chain.mjs (command)', () => {
  it('prints the digest after the given rounds', async () => {
    expect(await command('sha256-chain.mjs').run({ data: 'abc', rounds: 1 }, run)).toEqual({
      ok: true,
      result: { digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', rounds: 1 },
    });
    expect(await command('sha256-chain.mjs').run({ data: 'vigil', rounds: 1000 }, run)).toEqual({
      ok: true,
      result: { digest: chain('vigil', 1000), rounds: 1000 },
    });
  });

  it.each([
    [{ data: 'x', rounds: 0 }, 'rounds'],
    [{ data: 'x', rounds: 100_001 }, 'rounds'],
    [{ data: 7, rounds: 1 }, 'data'],
    ['just a string', 'object'],
  ])('refuses %j with exit 65: bad-input, not retryable', async (payload, word) => {
    const outcome = await command('sha256-chain.mjs').run(payload, run);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatchObject({ code: 'bad-input', retryable: false });
    expect(outcome.error.message).toContain(word);
  });
});

describe('primes.mjs (module)', () => {
  it('counts the primes below a bound and gives the largest', async () => {
    const primes = module('primes.mjs');
    expect(await primes.run({ below: 2_000_000 }, run)).toEqual({
      ok: true,
      result: { count: 148_933, largest: 1_999_993 },
    });
    expect(await primes.run({ below: 30 }, run)).toEqual({ ok: true, result: { count: 10, largest: 29 } });
    expect(await primes.run({ below: 2 }, run)).toEqual({ ok: true, result: { count: 0, largest: null } });
  });

  it('refuses a bound out of range, not retryable', async () => {
    const outcome = await module('primes.mjs').run({ below: 2_000_001 }, run);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'bad-input', retryable: false } });
  });
});

describe('the example judges', () => {
  it('verify-sha256.mjs passes a correct digest and fails a wrong one', async () => {
    const verifier = command('verify-sha256.mjs');
    const payload = { data: 'abc', rounds: 3 };
    const right = await judge(
      verifier,
      { payload, result: { digest: chain('abc', 3), rounds: 3 } },
      null,
      10_000,
    );
    expect(right).toMatchObject({ pass: true, loss: null });
    const wrong = await judge(
      verifier,
      { payload, result: { digest: chain('abc', 2), rounds: 3 } },
      null,
      10_000,
    );
    expect(wrong.pass).toBe(false);
    expect(wrong.detail).toContain(chain('abc', 3));
  });

  it('verify-primes.mjs gives the distance from the true count as the loss', async () => {
    const verifier = module('verify-primes.mjs');
    const payload = { below: 100_000 };
    expect(
      await judge(verifier, { payload, result: { count: 9592, largest: 99_991 } }, 0, 10_000),
    ).toMatchObject({
      pass: true,
      loss: 0,
    });
    expect(
      await judge(verifier, { payload, result: { count: 9590, largest: 99_991 } }, 1, 10_000),
    ).toMatchObject({
      pass: false,
      loss: 2,
    });
    expect(await judge(verifier, { payload, result: { oops: true } }, 0, 10_000)).toMatchObject({
      pass: false,
    });
  });
});
