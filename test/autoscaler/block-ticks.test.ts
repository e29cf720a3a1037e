import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTickSource } from '../../src/autoscaler/sources/index.ts';
import { listDecisions } from '../../src/store/repositories/autoscaler.ts';
import { freePort } from '../cli/net.ts';
import { submitted, useWorkApi } from '../coordinator/jobs/support.ts';
import { describeEachBackend } from '../helpers/backends.ts';
import { eventually } from '../helpers/eventually.ts';
import { HardhatNode, hardhat } from './sources/hardhat-node.ts';
import { autoscalerConfig, hashPool, useAutoscalers } from './support.ts';

/**
 * A target with `block_ticks` on a real chain (Hardhat's node, as the block source's own tests
 * run it): a block mined is a tick of the target, and its decision says so. The interval and
 * the queue poll are a minute apart, so nothing else ticks during the test.
 */
let chain: HardhatNode | undefined;
beforeAll(async () => {
  if (hardhat.skip !== null) return;
  if (hardhat.fail !== null) throw new Error(hardhat.fail);
  chain = new HardhatNode(await freePort());
  await chain.start();
}, 40_000);
afterAll(async () => {
  await chain?.kill();
});

const skipped = hardhat.skip === null ? '' : ` (skipped: ${hardhat.skip})`;
describeEachBackend(`the autoscaler on block ticks${skipped}`, (backend) => {
  const api = useWorkApi(backend);
  const { start, acting } = useAutoscalers(api);

  it.skipIf(hardhat.skip !== null)(
    'decides on a new block of the chain, and records the tick as block',
    async () => {
      const node = chain!;
      const heads: number[] = [];
      const pool = {
        ...hashPool,
        block_ticks: { ws_url: node.wsUrl, http_url: node.httpUrl, poll_interval_ms: 200 },
      };
      const { autoscaler, deployers } = start(api(), autoscalerConfig([pool], { queue_poll_ms: 60_000 }), {
        // The role's own source (role.ts), its ticks seen on their way to the autoscaler.
        blockTicksFor: (target) => {
          const source = createTickSource({ kind: 'block', ...target.block_ticks! });
          return {
            ...source,
            start: (onTick) =>
              source.start((tick) => {
                heads.push((tick.detail as { number: number }).number);
                onTick(tick);
              }),
          };
        },
      });
      await acting(autoscaler);
      // The source ticks for the chain's head when it subscribes (before the lease, maybe, and
      // so for nothing); a tick asked for now runs after any in flight, so then none is left.
      await eventually('the head at subscription', () => heads.length > 0);
      await autoscaler.tickNow('hash-pool');

      for (let i = 0; i < 60; i++) await submitted(api(), 'hash', { i });
      expect(deployers[0]?.calls).toEqual([]);
      const mined = await node.mine();
      const decision = await eventually('a block tick that scales up', async () =>
        (await listDecisions(api().store.db, { target: 'hash-pool', limit: 10 })).find(
          (d) => d.reason === 'scale_up',
        ),
      );
      expect(decision).toMatchObject({ tick: 'block', actual: 0, previous_desired: 0 });
      expect(decision.desired).toBeGreaterThanOrEqual(4);
      expect(JSON.parse(decision.inputs)).toMatchObject({ 'topic.backlog': { value: 60 } });
      expect(deployers[0]?.calls).toEqual([{ count: decision.desired, remove: [] }]);
      expect(heads.at(-1)).toBe(mined);
    },
  );
});
