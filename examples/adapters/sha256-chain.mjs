#!/usr/bin/env node
// Command adapter: reads { "data": string, "rounds": 1..100000 } on stdin and prints
// { "digest": hex, "rounds": n }, the sha256 chain of data. Bad input exits 65.
import { invalidChainInput, readStdin, refuse, sha256Chain } from './chain.mjs';

const text = await readStdin();
let input;
try {
  input = JSON.parse(text);
} catch {
  refuse('sha256-chain: stdin is not JSON');
}
const problem = invalidChainInput(input);
if (problem !== null) refuse(`sha256-chain: ${problem}`);
process.stdout.write(
  `${JSON.stringify({ digest: sha256Chain(input.data, input.rounds), rounds: input.rounds })}\n`,
);
