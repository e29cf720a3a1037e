import type { AdapterSpec } from '../../core/work/topic.ts';
import type { Adapter } from './adapter.ts';
import { createCommandAdapter } from './command.ts';
import { createHttpAdapter } from './http.ts';
import { createModuleAdapter } from './module.ts';

export type { Adapter, AdapterFailure, AdapterKind, AdapterOutcome, RunOptions } from './adapter.ts';

/**
 * The adapter a spec describes. `baseDir` anchors relative paths (a module's `path`, a command's
 * `cwd` and a relative command): the directory of the worker's configuration.
 */
export function createAdapter(spec: AdapterSpec, { baseDir }: { baseDir: string }): Adapter {
  switch (spec.kind) {
    case 'http':
      return createHttpAdapter(spec);
    case 'command':
      return createCommandAdapter(spec, { baseDir });
    case 'module':
      return createModuleAdapter(spec, { baseDir });
  }
}
