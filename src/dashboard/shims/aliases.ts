import { fileURLToPath } from 'node:url';

const shim = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

/**
 * What a Vite config needs so that src/core runs unchanged in the browser (decision 0062):
 * `node:crypto` and `node:buffer` resolve to the shims beside this file (and `protobufjs/minimal`,
 * which the DDSketch library names but core never reaches, to a stand-in), and core's files that
 * use the global `Buffer` without importing it get an import of `node:buffer` (so, of the shim).
 * The inject goes through Rolldown's inject plugin, which Vite 8 runs both in `vite` (dev) and in
 * `vite build`; `transform.inject` alone would cover only the build.
 *
 * ```ts
 * import { injectPlugin } from 'rolldown/plugins'; // the bundler inside Vite 8
 * import { browserShims } from './shims/aliases.ts';
 * export default defineConfig({
 *   resolve: { alias: { ...browserShims.alias } },
 *   plugins: [preact(), injectPlugin(browserShims.inject, { include: browserShims.injectInto })],
 * });
 * ```
 */
export const browserShims = {
  /** For `resolve.alias`: module specifier → absolute path of its shim. */
  alias: {
    'node:crypto': shim('node-crypto.ts'),
    'node:buffer': shim('node-buffer.ts'),
    // Required, lazily, only by DDSketch's protobuf encoding, which core never uses.
    'protobufjs/minimal': shim('protobuf-unavailable.ts'),
  },
  /** For Rolldown's `injectPlugin` (or `build.rolldownOptions.transform.inject`): global → import. */
  inject: { Buffer: ['node:buffer', 'Buffer'] } as Record<string, [string, string]>,
  /** The modules that get the inject: core's files only, so no library sees a Buffer it did not ask for. */
  injectInto: /[\\/]src[\\/]core[\\/]/,
};
