import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deployer, Replica } from '../../../src/autoscaler/deployers/deployer.ts';

// What every deployer must do (src/autoscaler/deployers/deployer.ts). Each deployer's test file
// calls describeDeployerConformance with a fixture that builds deployer objects over a fresh
// target; the suite checks what the autoscaler relies on: counts read back from the platform,
// idempotent requests, named victims, restarts that lose nothing, and other targets left alone.
// Every deployer object a test builds is closed after it even if the test closed it already, so
// close() must be safe to call twice.

/** One fresh target for one test: a place replicas can run, and deployers bound to it. */
export interface DeployerFixture {
  /**
   * A deployer object over the test's target. Called more than once per test: each call must
   * build a new object from configuration alone, as an autoscaler restarted after a crash would.
   */
  make(): Promise<Deployer>;
  /**
   * A deployer over another target in the same place (same state directory, same engine, same
   * namespace): a neighbour whose replicas the test's deployer must never list or touch.
   */
  makeOther(): Promise<Deployer>;
  /**
   * Optional: starts something that resembles a replica but is not one of this target's (a
   * container without the label, a process with a look-alike name), and returns a check that
   * it still runs. The suite asserts it survives every scale of the target.
   */
  plantForeign?(): Promise<() => Promise<boolean>>;
  /** Removes whatever the test left: replicas of both targets, state, clients. */
  cleanup(): Promise<void>;
}

export interface DeployerConformanceOptions {
  /** Builds the fixture for one test. */
  setup(): Promise<DeployerFixture>;
  /**
   * True for deployers that stop exactly the replicas `remove` names (process, docker); false
   * for those that only steer the platform towards them (kubernetes, ecs): the suite then
   * checks the count and not which replicas went.
   */
  choosesVictims: boolean;
  /** A reason to skip the whole suite (no engine here), shown in the suite's title; null runs it. */
  skip?: string | null;
  /** Longest wait for the platform to reach a count after a request (default 20 s). */
  settleMs?: number;
  /** The drain timeout given to scale-downs (default 2 s): replicas under test drain quickly. */
  drainTimeoutMs?: number;
  /** Per-test timeout (default 60 s): a platform that starts replicas slowly needs more. */
  testTimeoutMs?: number;
}

/** Replicas that count towards the target's size: not stopped, not on their way out. */
export function serving(replicas: readonly Replica[]): Replica[] {
  return replicas.filter((r) => r.state === 'starting' || r.state === 'running');
}

function idsOf(replicas: readonly Replica[]): string[] {
  return replicas.map((r) => r.id).sort();
}

/** Polls `deployer.replicas()` until `check` holds; fails with the last listing after `timeoutMs`. */
export async function waitForReplicas(
  deployer: Deployer,
  what: string,
  check: (replicas: Replica[]) => boolean,
  timeoutMs: number,
): Promise<Replica[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Replica[] = [];
  for (;;) {
    last = await deployer.replicas();
    if (check(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; replicas: ${JSON.stringify(last)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs the deployer contract's suite against one deployer. */
export function describeDeployerConformance(name: string, options: DeployerConformanceOptions): void {
  const {
    choosesVictims,
    skip = null,
    settleMs = 20_000,
    drainTimeoutMs = 2_000,
    testTimeoutMs = 60_000,
  } = options;
  const down = { drainTimeoutMs };
  const title = `deployer conformance [${name}]${skip === null ? '' : ` (skipped: ${skip})`}`;

  describe.skipIf(skip !== null)(title, () => {
    let fixture: DeployerFixture;
    const opened: Deployer[] = [];
    // Every deployer object a test builds is closed after it, whatever the test did.
    const make = async (): Promise<Deployer> => {
      const d = await fixture.make();
      opened.push(d);
      return d;
    };
    const makeOther = async (): Promise<Deployer> => {
      const d = await fixture.makeOther();
      opened.push(d);
      return d;
    };
    const count = (deployer: Deployer, n: number) =>
      waitForReplicas(
        deployer,
        `${n} replicas`,
        (rs) => rs.length === n && serving(rs).length === n && rs.every((r) => r.state === 'running'),
        settleMs,
      );

    beforeEach(async () => {
      fixture = await options.setup();
    }, testTimeoutMs);
    afterEach(async () => {
      for (const d of opened.splice(0)) await d.close();
      await fixture.cleanup();
    }, testTimeoutMs);

    it('a new target lists no replicas', { timeout: testTimeoutMs }, async () => {
      const deployer = await make();
      expect(await deployer.replicas()).toEqual([]);
    });

    it('scaleTo(3) brings the listing to three running replicas', { timeout: testTimeoutMs }, async () => {
      const deployer = await make();
      const result = await deployer.scaleTo(3, [], down);
      expect(result.stopping).toEqual([]);
      expect(typeof result.detail).toBe('string');
      const replicas = await count(deployer, 3);
      expect(new Set(replicas.map((r) => r.id)).size).toBe(3);
      for (const r of replicas) {
        expect(r.started_at === null || Number.isInteger(r.started_at)).toBe(true);
      }
      if (result.started.length > 0) expect(result.started.sort()).toEqual(idsOf(replicas));
    });

    it('asking again for the count it runs changes nothing', { timeout: testTimeoutMs }, async () => {
      const deployer = await make();
      await deployer.scaleTo(2, [], down);
      const before = idsOf(await count(deployer, 2));
      // Asked while the replicas run, and again from the same object: both are no-ops.
      const again = await deployer.scaleTo(2, [], down);
      expect(again.started).toEqual([]);
      expect(again.stopping).toEqual([]);
      expect(idsOf(await deployer.replicas())).toEqual(before);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(idsOf(await count(deployer, 2))).toEqual(before);
    });

    it('asking for the count before the replicas are up starts no more', {
      timeout: testTimeoutMs,
    }, async () => {
      const deployer = await make();
      await deployer.scaleTo(2, [], down);
      // A tick that comes before the platform reports them running counts those starting.
      const again = await deployer.scaleTo(2, [], down);
      expect(again.started).toEqual([]);
      expect(again.stopping).toEqual([]);
      await count(deployer, 2);
    });

    if (choosesVictims) {
      it('scaleTo(1, remove) drains and stops exactly the named replicas, most preferred first', {
        timeout: testTimeoutMs,
      }, async () => {
        const deployer = await make();
        await deployer.scaleTo(3, [], down);
        const [a, b, c] = idsOf(await count(deployer, 3)) as [string, string, string];
        // Three names for two places: the first two go; an id that is not a replica is ignored.
        const result = await deployer.scaleTo(1, ['not-a-replica', b, a, c], down);
        expect(result.started).toEqual([]);
        expect(result.stopping.sort()).toEqual([a, b].sort());
        const left = await count(deployer, 1);
        expect(idsOf(left)).toEqual([c]);
      });
    } else {
      it('scaleTo(1, remove) brings the count to one', { timeout: testTimeoutMs }, async () => {
        const deployer = await make();
        await deployer.scaleTo(3, [], down);
        const ids = idsOf(await count(deployer, 3));
        await deployer.scaleTo(1, ids.slice(0, 2), down);
        await count(deployer, 1);
      });
    }

    it('scaleTo(1) with no names still reaches one: the deployer picks', {
      timeout: testTimeoutMs,
    }, async () => {
      const deployer = await make();
      await deployer.scaleTo(3, [], down);
      await count(deployer, 3);
      const result = await deployer.scaleTo(1, [], down);
      if (choosesVictims) expect(result.stopping).toHaveLength(2);
      await count(deployer, 1);
    });

    it('a deployer built afresh for the same target sees the same replicas', {
      timeout: testTimeoutMs,
    }, async () => {
      const first = await make();
      await first.scaleTo(2, [], down);
      const ids = idsOf(await count(first, 2));
      await first.close();
      // A restart: nothing carried over but configuration.
      const second = await make();
      expect(idsOf(await count(second, 2))).toEqual(ids);
      expect((await second.scaleTo(2, [], down)).started).toEqual([]);
      await second.scaleTo(3, [], down);
      const three = idsOf(await count(second, 3));
      expect(three).toEqual(expect.arrayContaining(ids));
      const third = await make();
      await third.scaleTo(1, choosesVictims ? three.filter((id) => id !== ids[0]) : [], down);
      const left = await count(second, 1);
      if (choosesVictims) expect(idsOf(left)).toEqual([ids[0]]);
    });

    it("another target's replicas are never listed or touched", { timeout: testTimeoutMs }, async () => {
      const other = await makeOther();
      const stillThere = fixture.plantForeign === undefined ? null : await fixture.plantForeign();
      await other.scaleTo(1, [], down);
      const theirs = idsOf(await count(other, 1));
      const deployer = await make();
      expect(await deployer.replicas()).toEqual([]);
      await deployer.scaleTo(2, [], down);
      const ours = idsOf(await count(deployer, 2));
      expect(ours.filter((id) => theirs.includes(id))).toEqual([]);
      // Asked to remove the neighbour's replica by id: not ours, so ignored.
      await deployer.scaleTo(0, [...theirs, ...ours], down);
      await count(deployer, 0);
      expect(idsOf(await count(other, 1))).toEqual(theirs);
      if (stillThere !== null) expect(await stillThere()).toBe(true);
      await other.scaleTo(0, theirs, down);
      await count(other, 0);
    });

    it('scaleTo(0) empties the target', { timeout: testTimeoutMs }, async () => {
      const deployer = await make();
      await deployer.scaleTo(2, [], down);
      const ids = idsOf(await count(deployer, 2));
      const result = await deployer.scaleTo(0, ids, down);
      if (choosesVictims) expect(result.stopping.sort()).toEqual(ids);
      await count(deployer, 0);
      expect(await (await make()).replicas()).toEqual([]);
      const again = await deployer.scaleTo(0, [], down);
      expect(again.started).toEqual([]);
      expect(again.stopping).toEqual([]);
    });

    it('close() leaves the replicas running', { timeout: testTimeoutMs }, async () => {
      const deployer = await make();
      await deployer.scaleTo(2, [], down);
      const ids = idsOf(await count(deployer, 2));
      await deployer.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await make();
      expect(idsOf(await count(after, 2))).toEqual(ids);
      await after.scaleTo(0, ids, down);
      await count(after, 0);
    });
  });
}
