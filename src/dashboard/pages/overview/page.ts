import type { PageDefinition } from '../../shell/page.ts';

const page: PageDefinition = {
  path: '/',
  title: 'Overview',
  nav: { label: 'Overview', order: 0 },
  load: () => import('./overview.tsx'),
};
export default page;
