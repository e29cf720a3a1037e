#!/usr/bin/env node
// The `vigil` command. Node.js 24 runs the TypeScript sources directly (type stripping),
// so there is no build step between a checkout and a running network.
//
// Node's compile cache keeps each module's stripped and compiled code on disk (in
// NODE_COMPILE_CACHE, else the system's temporary folder), keyed by its source: a second
// start skips the stripping and parsing and takes about half the time (0.45 s to 0.22 s for
// `vigil --help` here). It matters wherever many short processes start: the CLI, vigil up's
// fleet, the process deployer's workers, the tests. Enabled before the sources are imported,
// so they are loaded dynamically.
import module from 'node:module';

module.enableCompileCache?.();
await import('../src/cli/main.ts');
