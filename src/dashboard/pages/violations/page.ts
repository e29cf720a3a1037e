import type { PageDefinition } from '../../shell/page.ts';

const page: PageDefinition = {
  path: '/violations',
  title: 'Violations',
  nav: { label: 'Violations', order: 30 },
  load: () => import('./violations.tsx'),
};
export default page;
