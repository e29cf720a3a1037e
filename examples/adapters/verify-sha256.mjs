#!/usr/bin/env node
// Verification judge (command): reads { "payload", "result" } of a sha256-chain job, recomputes
// the chain and prints { "pass": boolean, "detail": string }.
import { invalidChainInput, readStdin, refuse, sha256Chain } from './chain.mjs';

let sample;
try {
  sample = JSON.parse(await readStdin());
} catch {
  refuse('verify-sha256: stdin is not JSON');
}
if (typeof sample !== 'object' || sample === null) refuse('verify-sha256: expected { payload, result }');
const { payload, result } = sample;
const problem = invalidChainInput(payload);
let verdict;
if (problem !== null) verdict = { pass: false, detail: `payload: ${problem}` };
else if (typeof result !== 'object' || result === null || typeof result.digest !== 'string')
  verdict = { pass: false, detail: 'result has no digest' };
else {
  const expected = sha256Chain(payload.data, payload.rounds);
  const pass = result.digest === expected && result.rounds === payload.rounds;
  verdict = {
    pass,
    detail: pass ? 'digest matches' : `expected digest ${expected} after ${payload.rounds} rounds`,
  };
}
process.stdout.write(`${JSON.stringify(verdict)}\n`);
