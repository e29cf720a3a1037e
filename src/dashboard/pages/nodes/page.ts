import type { PageDefinition } from '../../shell/page.ts';

const page: PageDefinition = {
  path: '/nodes',
  title: 'Nodes',
  nav: { label: 'Nodes', order: 10 },
  load: () => import('./nodes.tsx'),
};
export default page;
