import type { PageDefinition } from '../../shell/page.ts';

const page: PageDefinition = {
  path: '/nodes/:node_id',
  title: 'Node',
  load: () => import('./node.tsx'),
};
export default page;
