import type { PageDefinition } from '../../shell/page.ts';

/** The autoscaler's pages: every scaled target, and one target with its decisions and actions. */
const pages: readonly PageDefinition[] = [
  {
    path: '/autoscaler',
    title: 'Autoscaler',
    nav: { label: 'Autoscaler', order: 55 },
    load: () => import('./targets.tsx'),
  },
  { path: '/autoscaler/:name', title: 'Scaled target', load: () => import('./target.tsx') },
];
export default pages;
