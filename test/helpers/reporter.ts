import type { Reporter, TestModule, TestSuite } from 'vitest/node';

export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts tests by outcome. Skipped and todo tests count as skipped, and so do tests an
 * interrupted run never finished. A module or suite that failed on its own (an import or
 * syntax error, a failing beforeAll/afterAll hook) without any of its tests failing counts
 * as one failure, so the summary never reads "0 failed" for a run that failed.
 */
export function countTests(modules: ReadonlyArray<TestModule>, unhandledErrors: number): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
  const visit = (suite: TestModule | TestSuite): number => {
    let failedBelow = 0;
    for (const child of suite.children) {
      if (child.type === 'suite') {
        failedBelow += visit(child);
        continue;
      }
      const state = child.result().state;
      if (state === 'passed') counts.passed++;
      else if (state === 'failed') {
        counts.failed++;
        failedBelow++;
      } else counts.skipped++;
    }
    if (failedBelow === 0 && (suite.errors().length > 0 || suite.state() === 'failed')) {
      counts.failed++;
      failedBelow++;
    }
    return failedBelow;
  };
  for (const module of modules) visit(module);
  counts.failed += unhandledErrors;
  return counts;
}

export function formatCounts({ passed, failed, skipped }: RunCounts): string {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}

/**
 * Prints `N passed, N failed, N skipped` alone on the last line of the run, plain text,
 * for CI tooling that reads the outcome without parsing Vitest's coloured summary.
 */
export default class SummaryLineReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    process.stdout.write(`\n${formatCounts(countTests(modules, unhandledErrors.length))}\n`);
  }
}
