import type { ServerResponse } from 'node:http';
import { sendProblem } from '../../helpers/http.ts';

export interface ScriptedFailures<R extends string> {
  /**
   * The next `count` requests of `route` answer with this problem instead (with Retry-After: 0,
   * so retries are quick); status 0 drops the connection without an answer. The slug defaults
   * to `internal` for a 5xx and `bad-request` otherwise.
   */
  failNext(route: R, count: number, status: number, slug?: string): void;
  /** Forgets the failures not yet used. */
  clear(): void;
  /** Answers a request of `route` with its scripted failure, if one is left; false otherwise. */
  answer(route: R, res: ServerResponse): boolean;
}

/** Failures a test scripts for a fake coordinator, by route. */
export function createScriptedFailures<R extends string>(): ScriptedFailures<R> {
  const failures: Array<{ route: R; count: number; status: number; slug: string }> = [];
  return {
    failNext(route, count, status, slug = status >= 500 ? 'internal' : 'bad-request') {
      failures.push({ route, count, status, slug });
    },
    clear() {
      failures.splice(0);
    },
    answer(route, res) {
      const failure = failures.find((f) => f.route === route && f.count > 0);
      if (failure === undefined) return false;
      failure.count--;
      if (failure.status === 0) res.destroy();
      else sendProblem(res, failure.status, failure.slug, `scripted ${failure.slug}`, { 'retry-after': '0' });
      return true;
    },
  };
}
