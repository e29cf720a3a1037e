import { readdirSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * `npm run bench -- <name> [options]` runs `bench/<name>.ts`. Each benchmark exports
 * `main(args)`; figures are printed, never asserted (see docs/benchmarks.md).
 */
const here = import.meta.dirname;
const names = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => basename(f, '.ts'))
  .sort();

const [name, ...args] = process.argv.slice(2);
const usage = `usage: npm run bench -- <name> [options]\nbenchmarks: ${names.join(', ')}`;

if (name === undefined || name === '--help' || name === '-h') {
  console.log(usage);
  process.exit(0);
}
if (!names.includes(name)) {
  console.error(`unknown benchmark "${name}"\n${usage}`);
  process.exit(2);
}

const mod = (await import(`./${name}.ts`)) as { main(args: string[]): Promise<void> };
await mod.main(args);
