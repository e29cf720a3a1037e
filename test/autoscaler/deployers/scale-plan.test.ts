import { describe, expect, it } from 'vitest';
import { chooseVictims, oneAtATime } from '../../../src/autoscaler/deployers/scale-plan.ts';

const r = (id: string, started_at: number) => ({ id, started_at });

describe('chooseVictims', () => {
  const serving = [r('a', 1), r('b', 2), r('c', 3), r('d', 4)];

  it('takes the named replicas first, in the order given, as many as the scale-down needs', () => {
    expect(chooseVictims(serving, 2, ['c', 'a', 'b']).map((v) => v.id)).toEqual(['c', 'a']);
  });

  it('skips names that are not serving replicas, and names given twice', () => {
    expect(chooseVictims(serving, 2, ['zz', 'b', 'b', 'd']).map((v) => v.id)).toEqual(['b', 'd']);
  });

  it('fills up with the newest when too few are named', () => {
    expect(chooseVictims(serving, 1, ['a']).map((v) => v.id)).toEqual(['a', 'd', 'c']);
    expect(chooseVictims(serving, 0, []).map((v) => v.id)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('chooses none when nothing is to go', () => {
    expect(chooseVictims(serving, 4, ['a'])).toEqual([]);
    expect(chooseVictims(serving, 6, ['a'])).toEqual([]);
  });
});

describe('oneAtATime', () => {
  it('runs steps one after another, a failure not stopping the next', async () => {
    const steps = oneAtATime();
    const order: string[] = [];
    const slow = steps.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      order.push('slow');
      throw new Error('failed');
    });
    const fast = steps.run(async () => {
      order.push('fast');
      return 7;
    });
    await expect(slow).rejects.toThrow('failed');
    expect(await fast).toBe(7);
    await steps.idle();
    expect(order).toEqual(['slow', 'fast']);
  });
});
