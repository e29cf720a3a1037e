// Builds the dashboard (src/dashboard → dist/dashboard) with Vite. `npm install` runs it
// (the `prepare` script), so a fresh clone's `npm start` serves it with no manual step; the
// test run and `npm start` run it with --if-stale, which rebuilds only when a source file is
// newer than the last build.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

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
  // A change to how it is built (this file) is a change too.
  if (statSync(fileURLToPath(import.meta.url)).mtimeMs > built) return true;
  return watched.some((dir) => newestMtime(dir) > built);
}

/** What is worth compressing: text. Images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.webmanifest']);

/**
 * Beside each text file of 1 KB or more, its Brotli (`.br`, quality 11) and gzip (`.gz`, level
 * 9) forms, made once at build time: the coordinator serves the one a browser accepts
 * (@fastify/static's `preCompressed`) and spends no CPU compressing per request.
 */
export function precompress(dir: string): number {
  let written = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      written += precompress(path);
      continue;
    }
    if (!COMPRESSIBLE.has(extname(entry.name))) continue;
    const body = readFileSync(path);
    if (body.length < 1024) continue;
    writeFileSync(
      `${path}.br`,
      brotliCompressSync(body, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      }),
    );
    writeFileSync(`${path}.gz`, gzipSync(body, { level: 9 }));
    written++;
  }
  return written;
}

export async function buildDashboard(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(sources, 'vite.config.ts'), logLevel: 'warn' });
  precompress(join(root, 'dist/dashboard'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (!ifStale || dashboardIsStale()) {
    const started = performance.now();
    await buildDashboard();
    console.log(`dashboard built into dist/dashboard in ${Math.round(performance.now() - started)} ms`);
  }
}
