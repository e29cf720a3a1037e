import type { PageDefinition } from '../../shell/page.ts';

/** The epochs list and one epoch's page, with its settlement and "verify in this browser". */
const pages: PageDefinition[] = [
  {
    path: '/epochs',
    title: 'Epochs',
    nav: { label: 'Epochs', order: 20 },
    load: () => import('./epochs.tsx'),
  },
  {
    path: '/epochs/:epoch',
    title: 'Epoch',
    load: () => import('./epoch.tsx'),
  },
];
export default pages;
