import { fileURLToPath } from 'node:url';
import { injectPlugin } from 'rolldown/plugins';
import { defineConfig } from 'vite';
import { browserShims } from './shims/aliases.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard's build (decision 0064): Preact through Oxc's JSX transform, one small entry
 * with each page in a chunk of its own, into dist/dashboard, which the coordinator serves at /.
 * Rolldown is Vite 8's own bundler, listed at the version Vite pins so both are the same copy.
 */
export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // Core runs here unchanged, on browser shims of node:crypto and node:buffer (decision 0062).
  resolve: { alias: { ...browserShims.alias } },
  plugins: [injectPlugin(browserShims.inject, { include: browserShims.injectInto })],
  worker: {
    format: 'es',
    plugins: () => [injectPlugin(browserShims.inject, { include: browserShims.injectInto })],
  },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
