export type Route = 'sync' | 'claim' | 'extend' | 'results' | 'samples' | 'verdicts' | 'nodes';

const ROUTES: Array<[RegExp, Route]> = [
  [/^\/workers\/sync$/, 'sync'],
  [/^\/topics\/[^/]+\/claim$/, 'claim'],
  [/^\/leases\/extend$/, 'extend'],
  [/^\/results$/, 'results'],
  [/^\/topics\/[^/]+\/verifications\/claim$/, 'samples'],
  [/^\/verdicts$/, 'verdicts'],
  [/^\/nodes$/, 'nodes'],
];

/** Which worker-facing call a path is; null for anything else. */
export function routeOf(path: string): Route | null {
  return ROUTES.find(([pattern]) => pattern.test(path))?.[1] ?? null;
}
