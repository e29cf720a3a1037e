import type { PageDefinition } from '../../shell/page.ts';

const page: PageDefinition = {
  path: '/configuration',
  title: 'Configuration',
  nav: { label: 'Configuration', order: 90 },
  // GET /config is for operators: the configuration names hosts and where secrets live.
  roles: ['operator'],
  load: () => import('./configuration.tsx'),
};
export default page;
