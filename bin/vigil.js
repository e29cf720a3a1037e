#!/usr/bin/env node
// The `vigil` command. Node.js 24 runs the TypeScript sources directly (type stripping),
// so there is no build step between a checkout and a running network.
import '../src/cli/main.ts';
