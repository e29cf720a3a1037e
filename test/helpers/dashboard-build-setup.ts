import { buildDashboard, dashboardIsStale } from '../../tools/build-dashboard.ts';

/**
 * Vitest's global set-up: the browser tests and the coordinator's static routes serve
 * dist/dashboard, so it is rebuilt before a run whenever a source is newer than the build.
 */
export default async function setup(): Promise<void> {
  if (dashboardIsStale()) await buildDashboard();
}
