// Loads augurs' MSTL WebAssembly once per process. It reads the .wasm file that ships beside
// the package's JavaScript (found through the package's own resolution, wherever npm put
// it) and compiles it synchronously, so the forecast engine in core/ stays synchronous and
// free of I/O: callers write `createForecastEngine(loadMstl())`.

import { readFileSync } from 'node:fs';
import * as mstl from '@bsull/augurs/mstl';

// The WebAssembly instance lives in augurs' own module, one per process, whatever holds it;
// this flag only spares later callers reading and compiling the 327 KB file again.
let loaded: typeof mstl | undefined;

/** The `@bsull/augurs/mstl` module with its WebAssembly initialised (the first call reads and compiles it, ~20 ms). */
export function loadMstl(): typeof mstl {
  if (loaded === undefined) {
    const wasm = new URL('mstl_bg.wasm', import.meta.resolve('@bsull/augurs/mstl'));
    mstl.initSync({ module: new WebAssembly.Module(readFileSync(wasm)) });
    loaded = mstl;
  }
  return loaded;
}
