import { defineConfig } from 'vitest/config';

/**
 * The namespace network test runs six agent processes against injected delays, and measures
 * them to a few milliseconds: it runs alone, in a group of its own (vitest runs one group of
 * projects at a time), so no other test's load moves its figures
 * (test/network/impaired-links.test.ts, docs/agent.md).
 */
const ALONE = ['test/network/impaired-links.test.ts'];

/**
 * Files whose real processes race deadlines measured in wall time (workers draining within a
 * limit, an autoscaler's reaction, peers judged within a probe timeout, vigil up's whole
 * network): they run one at a time after the parallel group, so the other files' load never
 * decides them.
 */
const SERIAL = [
  'test/network/peer-monitoring.test.ts',
  'test/network/coordinator-down.test.ts',
  'test/cli/up.test.ts',
  'test/autoscaler/e2e/*.test.ts',
  'test/autoscaler/deployers/process-worker.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: Number(process.env.VIGIL_TEST_WORKERS ?? 3),
    // dist/dashboard, which the dashboard's tests serve, is rebuilt first when it is stale.
    globalSetup: ['./test/helpers/dashboard-build-setup.ts'],
    // The second reporter prints one plain `N passed, N failed, N skipped` line last, for CI.
    reporters: ['default', './test/helpers/reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [...ALONE, ...SERIAL],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'serial', include: SERIAL, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
      {
        extends: true,
        test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 2 } },
      },
    ],
  },
});
