// Shared by sha256-chain.mjs (the work) and verify-sha256.mjs (its judge).
import { createHash } from 'node:crypto';

export const MAX_ROUNDS = 100_000;
export const MAX_DATA_CHARS = 1_000_000;

/** The payload's problem in one line, or null when it is a valid `{ data, rounds }`. */
export function invalidChainInput(input) {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return 'expected an object { data, rounds }';
  if (typeof input.data !== 'string') return 'data must be a string';
  if (input.data.length > MAX_DATA_CHARS) return `data must be at most ${MAX_DATA_CHARS} characters`;
  if (!Number.isInteger(input.rounds) || input.rounds < 1 || input.rounds > MAX_ROUNDS)
    return `rounds must be an integer from 1 to ${MAX_ROUNDS}`;
  return null;
}

/** sha256 applied `rounds` times: first to the UTF-8 bytes of `data`, then to each 32-byte digest. */
export function sha256Chain(data, rounds) {
  let digest = createHash('sha256').update(data, 'utf8').digest();
  for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex');
}

/** All of stdin as text. */
export async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** sysexits.h EX_DATAERR: the worker records the job as failed for good (bad-input), no retry. */
export function refuse(message) {
  process.stderr.write(`${message}\n`);
  process.exit(65);
}
