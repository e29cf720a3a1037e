import type { PageDefinition } from '../../shell/page.ts';

/** Capacity planning: the fleet's or a topic's demand forecast and what to add or remove. */
const page: PageDefinition = {
  path: '/capacity',
  title: 'Capacity',
  nav: { label: 'Capacity', order: 60 },
  load: () => import('./capacity.tsx'),
};
export default page;
