// Builds the dashboard (src/dashboard → dist/dashboard) with Vite. `npm install` runs it
// (the `prepare` script), so a fresh clone's `npm start` serves it with no manual step; the
// test run and `npm start` run it with --if-stale, which rebuilds only when a source file is
// newer than the last build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = join(root, 'src/dashboard');
const output = join(root, 'dist/dashboard/index.html');
// The dashboard bundles core (the epoch verification), so a change there is a change too.
const watched = [sources, join(root, 'src/core')];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** True when dist/dashboard is missing or older than a source it is built from. */
export function dashboardIsStale(): boolean {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return watched.some((dir) => newestMtime(dir) > built);
}

export async function buildDashboard(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(sources, 'vite.config.ts'), logLevel: 'warn' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (!ifStale || dashboardIsStale()) {
    const started = performance.now();
    await buildDashboard();
    console.log(`dashboard built into dist/dashboard in ${Math.round(performance.now() - started)} ms`);
  }
}
