import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs `npm run bench -- <args>` in a fresh Node process (optionally profiled) and returns the
 * JSON it printed after `mark`. A fresh process makes a measurement cold and its RSS its own;
 * its other output goes to this process's stderr.
 */
export function runBenchChild<T>(
  args: readonly string[],
  mark: string,
  { cpuProfDir, nodeArgs = [] }: { cpuProfDir?: string; nodeArgs?: readonly string[] } = {},
): Promise<T> {
  const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfDir];
  const argv = [...nodeArgs, ...profile, join(import.meta.dirname, '..', 'run.ts'), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(mark));
      if (code !== 0 || line === undefined)
        reject(new Error(`benchmark process exited with ${code}\n${out}`));
      else resolve(JSON.parse(line.slice(mark.length)) as T);
    });
  });
}

/** Prints the result where `runBenchChild` looks for it. */
export function printChildResult(mark: string, result: unknown): void {
  process.stdout.write(`${mark}${JSON.stringify(result)}\n`);
}
