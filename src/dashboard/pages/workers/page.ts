import type { PageDefinition } from '../../shell/page.ts';

/** The pools and workers pages: every pool, one pool with the operator's actions, one worker. */
const pages: readonly PageDefinition[] = [
  {
    path: '/pools',
    title: 'Pools and workers',
    nav: { label: 'Pools & workers', order: 50 },
    load: () => import('./pools.tsx'),
  },
  { path: '/pools/:pool', title: 'Pool', load: () => import('./pool.tsx') },
  { path: '/workers/:worker_id', title: 'Worker', load: () => import('./worker.tsx') },
];
export default pages;
