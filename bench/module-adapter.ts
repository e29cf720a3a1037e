import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AdapterOutcome } from '../src/worker/adapters/adapter.ts';
import { createModuleAdapter } from '../src/worker/adapters/module.ts';
import { callEntry, loadEntry } from '../src/worker/adapters/module-call.ts';
import { machine, parseCount } from './lib/common.ts';

/**
 * What the module adapter's thread costs per call against calling the function in the worker's
 * own thread, as the adapter did before decision 0050: the same calls of
 * `examples/adapters/primes.mjs`, one at a time and `--concurrency` at a time, with a tiny
 * payload (the adapter's own overhead) and a real one.
 */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { calls: { type: 'string' }, concurrency: { type: 'string' } },
  });
  const calls = parseCount(values.calls, 5000);
  const concurrency = parseCount(values.concurrency, 4);
  const baseDir = fileURLToPath(new URL('../examples/adapters/', import.meta.url));
  console.log(
    `module-adapter: ${calls} calls of primes.mjs per case, ${concurrency} at a time in the parallel cases`,
  );
  console.log(`machine: ${machine()}`);
  console.log('\n  isolation   payload          in flight   calls/s   per call (p50 / p99)');
  for (const below of [10, 100_000]) {
    for (const parallel of [1, concurrency]) {
      for (const isolation of ['in-process', 'thread'] as const) {
        const adapter = createModuleAdapter(
          { kind: 'module', path: 'primes.mjs', export: 'default' },
          { baseDir },
        );
        const loaded = await loadEntry(`${baseDir}/primes.mjs`, 'default');
        const signal = new AbortController().signal;
        const call = (): Promise<AdapterOutcome> =>
          isolation === 'thread'
            ? adapter.run({ below }, { signal, timeoutMs: 10_000 })
            : callEntry(loaded, { below }, signal, 'primes');
        // Warm-up: threads started, the module imported, the JIT settled.
        await Promise.all(Array.from({ length: parallel }, () => call()));
        for (let i = 0; i < 200; i++) await call();
        const latencies: number[] = [];
        let next = 0;
        const started = performance.now();
        await Promise.all(
          Array.from({ length: parallel }, async () => {
            while (next++ < calls) {
              const t = performance.now();
              const outcome = await call();
              latencies.push(performance.now() - t);
              if (!outcome.ok) throw new Error(`${isolation}: ${outcome.error.message}`);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        await adapter.close();
        latencies.sort((a, b) => a - b);
        const at = (q: number) =>
          latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
        console.log(
          `  ${isolation.padEnd(11)} below ${String(below).padEnd(10)} ${String(parallel).padStart(9)} ${Math.round(
            calls / seconds,
          )
            .toLocaleString('en-US')
            .padStart(
              9,
            )}   ${(at(0.5) * 1000).toFixed(0).padStart(6)} µs / ${(at(0.99) * 1000).toFixed(0)} µs`,
        );
      }
    }
  }
}
