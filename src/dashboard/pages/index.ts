import type { PageDefinition } from '../shell/page.ts';
import autoscaler from './autoscaler/page.ts';
import capacity from './capacity/page.ts';
import configuration from './configuration/page.ts';
import epochs from './epochs/page.ts';
import node from './node/page.ts';
import nodes from './nodes/page.ts';
import overview from './overview/page.ts';
import topics from './topics/page.ts';
import violations from './violations/page.ts';
import workers from './workers/page.ts';

/**
 * Every page of the dashboard. A page is a folder under `pages/` with a `page.ts` that
 * describes it (path, title, navigation, roles) and loads its component lazily; adding one
 * is a folder and a line here.
 */
export const pages: readonly PageDefinition[] = [
  overview,
  nodes,
  node,
  ...epochs,
  violations,
  ...topics,
  ...workers,
  ...autoscaler,
  capacity,
  configuration,
];
