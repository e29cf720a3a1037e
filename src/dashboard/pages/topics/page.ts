import type { PageDefinition } from '../../shell/page.ts';

/**
 * Topics and jobs, four pages of one folder listed together: the topics with their queues, one
 * topic, the jobs, one job. One entry in the navigation; the others are reached by links.
 */
const pages: readonly PageDefinition[] = [
  {
    path: '/topics',
    title: 'Topics',
    nav: { label: 'Topics & jobs', order: 40 },
    load: () => import('./topics.tsx'),
  },
  { path: '/topics/:name', title: 'Topic', load: () => import('./topic.tsx') },
  { path: '/jobs', title: 'Jobs', load: () => import('./jobs.tsx') },
  { path: '/jobs/:job_id', title: 'Job', load: () => import('./job.tsx') },
];
export default pages;
