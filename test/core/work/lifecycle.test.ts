import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeLifecycle, WORKER_STATES, type WorkerStateOfNode } from '../../../src/core/work/lifecycle.ts';

const REGISTERED_AT = 1_000;

function worker(overrides: Partial<WorkerStateOfNode> = {}): WorkerStateOfNode {
  return { enabled: true, state: 'ready', reason: null, state_at: 5_000, last_seen_at: 6_000, ...overrides };
}

describe('nodeLifecycle', () => {
  it('is registered since registration while no worker has reported', () => {
    expect(nodeLifecycle(REGISTERED_AT, [])).toEqual({
      state: 'registered',
      reason: 'no worker has reported yet',
      since: REGISTERED_AT,
    });
    const unreported = worker({ state: 'registered', last_seen_at: null, state_at: 2_000 });
    expect(nodeLifecycle(REGISTERED_AT, [unreported, unreported]).state).toBe('registered');
    expect(nodeLifecycle(REGISTERED_AT, [unreported]).since).toBe(REGISTERED_AT);
  });

  it('takes the best state of the enabled workers: one working makes the node working', () => {
    const workers = [
      worker({ state: 'error', reason: 'benchmark 1.2 below 2', state_at: 100 }),
      worker({ state: 'ready', state_at: 200 }),
      worker({ state: 'working', state_at: 300 }),
    ];
    expect(nodeLifecycle(REGISTERED_AT, workers)).toEqual({ state: 'working', reason: null, since: 300 });
  });

  it('follows the order working, ready, benchmarking, starting, draining, error, stopped', () => {
    const order = ['working', 'ready', 'benchmarking', 'starting', 'draining', 'error', 'stopped'] as const;
    for (let i = 0; i < order.length; i++) {
      const present = order.slice(i).map((state, k) => worker({ state, state_at: 10 * k }));
      expect(nodeLifecycle(REGISTERED_AT, present.reverse()).state).toBe(order[i]);
    }
  });

  it('reports error with the reason of the earliest worker in error', () => {
    const workers = [
      worker({ state: 'error', reason: 'adapter not trusted', state_at: 900 }),
      worker({ state: 'error', reason: 'benchmark 0.4 below 2', state_at: 400 }),
      worker({ state: 'stopped', state_at: 100 }),
    ];
    expect(nodeLifecycle(REGISTERED_AT, workers)).toEqual({
      state: 'error',
      reason: 'benchmark 0.4 below 2',
      since: 400,
    });
  });

  it('ignores disabled workers', () => {
    const workers = [
      worker({ enabled: false, state: 'working', state_at: 100 }),
      worker({ state: 'draining', state_at: 700 }),
    ];
    expect(nodeLifecycle(REGISTERED_AT, workers)).toMatchObject({ state: 'draining', since: 700 });
  });

  it('is stopped when every worker is disabled, and registered while the enabled ones have not reported', () => {
    const disabled = [
      worker({ enabled: false, state: 'working', state_at: 100 }),
      worker({ enabled: false, state: 'stopped', state_at: 800 }),
    ];
    expect(nodeLifecycle(REGISTERED_AT, disabled)).toEqual({
      state: 'stopped',
      reason: 'every worker is disabled',
      since: 800,
    });
    const waiting = [...disabled, worker({ state: 'registered', last_seen_at: null, state_at: 1_500 })];
    expect(nodeLifecycle(REGISTERED_AT, waiting)).toMatchObject({ state: 'registered', since: 1_500 });
  });

  it('answers a state an enabled worker is in, and none of them is in a better one', () => {
    const ranked = ['working', 'ready', 'benchmarking', 'starting', 'draining', 'error', 'stopped'];
    const arbWorker = fc.record({
      enabled: fc.boolean(),
      state: fc.constantFrom(...WORKER_STATES),
      reason: fc.option(fc.string(), { nil: null }),
      state_at: fc.nat(1_000_000),
      last_seen_at: fc.option(fc.nat(1_000_000), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(arbWorker, { maxLength: 8 }), (workers) => {
        const { state, since } = nodeLifecycle(REGISTERED_AT, workers);
        const enabled = workers.filter((w) => w.enabled);
        if (workers.every((w) => w.last_seen_at === null)) {
          expect({ state, since }).toEqual({ state: 'registered', since: REGISTERED_AT });
          return;
        }
        if (enabled.length === 0) {
          expect(state).toBe('stopped');
          return;
        }
        expect(enabled.map((w) => w.state)).toContain(state);
        const better = ranked.slice(0, state === 'registered' ? ranked.length : ranked.indexOf(state));
        expect(enabled.filter((w) => better.includes(w.state))).toEqual([]);
        expect(since).toBe(Math.min(...enabled.filter((w) => w.state === state).map((w) => w.state_at)));
      }),
    );
  });
});
