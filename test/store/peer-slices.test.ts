import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  type PeerProbeSummary,
  recordPeerProbes,
  recordPeerProbesMany,
} from '../../src/store/repositories/peer-slices.ts';
import type { Store } from '../../src/store/store.ts';
import { describeEachBackend } from '../helpers/backends.ts';

const MIN = 60_000;
/** A row boundary for 60 s slices (32 slices per row), so the arithmetic below stays readable. */
const T0 = Math.floor(Date.UTC(2026, 10, 1) / (32 * MIN)) * 32 * MIN;

function summary(monitor: string, targets: Record<string, Array<[number, 0 | 1]>>): PeerProbeSummary {
  return {
    monitor,
    sliceMs: MIN,
    probeIntervalMs: 5 * MIN,
    targets: Object.entries(targets).map(([target, probes]) => ({ target, probes })),
  };
}

describeEachBackend('peer slices', (backend) => {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());

  async function tables() {
    const [votes, verdicts, firsts] = await Promise.all([
      store.db
        .selectFrom('peer_slices')
        .selectAll()
        .orderBy('node_id')
        .orderBy('row_start')
        .orderBy('monitor_id')
        .execute(),
      store.db
        .selectFrom('peer_verdict_slices')
        .selectAll()
        .orderBy('node_id')
        .orderBy('row_start')
        .execute(),
      store.db.selectFrom('peer_first_probes').selectAll().orderBy('node_id').execute(),
    ]);
    return { votes, verdicts, firsts };
  }
  async function verdictMask(nodeId: string, rowStart = T0) {
    const row = await store.db
      .selectFrom('peer_verdict_slices')
      .select('mask')
      .where('node_id', '=', nodeId)
      .where('row_start', '=', rowStart)
      .executeTakeFirst();
    return row?.mask;
  }

  it('keeps each verdict on the slices its probe stands for, and every monitor’s bits beside the verdict', async () => {
    // A 5-minute probe at minute 0 (+3 s) covers slices 0–4; one at minute 30 covers 30–34,
    // which run over into the next row.
    const n = await recordPeerProbes(
      store,
      summary('m1', {
        a: [
          [T0 + 3_000, 1],
          [T0 + 30 * MIN, 0],
        ],
      }),
    );
    expect(n).toBe(2);
    const { votes, verdicts, firsts } = await tables();
    expect(votes).toEqual([
      {
        node_id: 'a',
        slice_ms: MIN,
        row_start: T0,
        monitor_id: 'm1',
        up_mask: 0b11111,
        down_mask: 0xc0000000,
      },
      {
        node_id: 'a',
        slice_ms: MIN,
        row_start: T0 + 32 * MIN,
        monitor_id: 'm1',
        up_mask: 0,
        down_mask: 0b111,
      },
    ]);
    // Beside the mask, every monitor's own bits for the row, for the collection's median.
    expect(verdicts).toEqual([
      {
        node_id: 'a',
        slice_ms: MIN,
        row_start: T0,
        mask: 0b11111,
        monitor_votes: JSON.stringify([['m1', 0b11111, 0xc0000000]]),
      },
      {
        node_id: 'a',
        slice_ms: MIN,
        row_start: T0 + 32 * MIN,
        mask: 0,
        monitor_votes: JSON.stringify([['m1', 0, 0b111]]),
      },
    ]);
    expect(firsts).toEqual([{ node_id: 'a', first_probe_at: T0 + 3_000 }]);
  });

  it('is idempotent: the same summary twice leaves the same rows', async () => {
    const s = summary('m1', {
      a: [
        [T0, 1],
        [T0 + 5 * MIN, 0],
      ],
      b: [[T0 + 40 * MIN, 1]],
    });
    expect(await recordPeerProbes(store, s)).toBe(3);
    const once = await tables();
    expect(await recordPeerProbes(store, s)).toBe(3);
    expect(await tables()).toEqual(once);
  });

  it('merges a later summary into what the monitor said before, and keeps the earliest probe', async () => {
    await recordPeerProbes(store, summary('m1', { a: [[T0 + 10 * MIN, 1]] }));
    await recordPeerProbes(store, summary('m1', { a: [[T0, 1]] }));
    // The same monitor now says down for slice 0: its own votes there cancel out.
    await recordPeerProbes(store, summary('m1', { a: [[T0, 0]] }));
    const { votes, verdicts, firsts } = await tables();
    expect(votes).toMatchObject([{ up_mask: 0b111110000011111, down_mask: 0b11111 }]);
    expect(verdicts).toMatchObject([{ mask: 0b111110000000000 }]);
    expect(firsts).toEqual([{ node_id: 'a', first_probe_at: T0 }]);
  });

  it('derives the majority from every monitor: a tie is no verdict, a new down vote takes life away', async () => {
    await recordPeerProbes(store, summary('m1', { a: [[T0, 1]] }));
    expect(await verdictMask('a')).toBe(0b11111);
    await recordPeerProbes(store, summary('m2', { a: [[T0, 0]] }));
    expect(await verdictMask('a')).toBe(0);
    await recordPeerProbes(store, summary('m3', { a: [[T0 + 2 * MIN, 1]] }));
    // Slices 2–4: two up, one down; slices 5–6: m3 alone; slices 0–1 stay a tie.
    expect(await verdictMask('a')).toBe(0b1111100);
    // m2 now also saw slices 1–5 up: in 1–4, where it had said down, its vote is half each way.
    await recordPeerProbes(store, summary('m2', { a: [[T0 + 2 * MIN - 1, 1]] }));
    // Slice 0 stays a tie (m1 up, m2 down); in 1–4 m2's mixed half tips it; 5–6 are up.
    expect(await verdictMask('a')).toBe(0b1111110);
    const row = await store.db
      .selectFrom('peer_verdict_slices')
      .select('monitor_votes')
      .where('node_id', '=', 'a')
      .executeTakeFirstOrThrow();
    // Sorted by monitor, whatever order they reported in.
    expect(JSON.parse(row.monitor_votes ?? 'null')).toEqual([
      ['m1', 0b11111, 0],
      ['m2', 0b111110, 0b11111],
      ['m3', 0b1111100, 0],
    ]);
  });

  it('keeps every vote when monitors report the same nodes at the same moment', async () => {
    const nodes = ['a', 'b', 'c', 'd'];
    // Each round is a race of its own, on a row of its own.
    for (let round = 0; round < 8; round++) {
      const row = T0 + round * 32 * MIN;
      const all = (v: 0 | 1) =>
        Object.fromEntries(nodes.map((id): [string, Array<[number, 0 | 1]>] => [id, [[row, v]]]));
      await recordPeerProbes(store, summary('down1', all(0)));
      await recordPeerProbes(store, summary('down2', all(0)));
      // Three up votes against two down: losing any one of them would make a tie.
      await Promise.all(['up1', 'up2', 'up3'].map((m) => recordPeerProbes(store, summary(m, all(1)))));
      for (const id of nodes) expect(await verdictMask(id, row)).toBe(0b11111);
    }
    const { votes } = await tables();
    expect(votes).toHaveLength(8 * nodes.length * 5);
  });

  it('records several summaries in one transaction exactly as one after another', async () => {
    const row = (k: number) => T0 + k * 32 * MIN;
    const summaries = [
      summary('m1', {
        a: [
          [T0, 1],
          [T0 + 30 * MIN, 0],
        ],
        b: [[T0 + 3 * MIN, 1]],
      }),
      summary('m2', { a: [[T0 + MIN, 0]], b: [[T0, 1]], c: [[row(1), 1]] }),
      // The same monitor twice in one batch, over a slice it already voted on.
      summary('m1', { a: [[T0 + 2 * MIN, 0]], c: [[row(1) + 5 * MIN, 0]] }),
      summary('m3', { a: [[T0, 1]], c: [[row(1) - 10 * MIN, 1]] }),
      summary('m4', {}),
    ];
    expect(await recordPeerProbesMany(store, summaries)).toEqual([3, 3, 2, 2, 0]);
    const together = await tables();
    await store.db.deleteFrom('peer_slices').execute();
    await store.db.deleteFrom('peer_verdict_slices').execute();
    await store.db.deleteFrom('peer_first_probes').execute();
    for (const s of summaries) await recordPeerProbes(store, s);
    expect(await tables()).toEqual(together);
    expect(together.verdicts.length).toBeGreaterThan(2);
  });

  it('takes a summary larger than one statement can carry', async () => {
    const targets: Record<string, Array<[number, 0 | 1]>> = {};
    for (let t = 0; t < 24; t++) {
      targets[`n${String(t).padStart(2, '0')}`] = Array.from({ length: 2_000 }, (_, i): [number, 0 | 1] => [
        T0 + i * 5 * MIN,
        i % 7 === 0 ? 0 : 1,
      ]);
    }
    expect(await recordPeerProbes(store, summary('m1', targets))).toBe(48_000);
    const count = await store.db
      .selectFrom('peer_verdict_slices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    // 2,000 five-minute probes cover 10,000 one-minute slices: 313 rows per target.
    expect(Number(count.n)).toBe(24 * 313);
    // Row 0: probes 0–6 cover slices 0–31 (probe 0 is down, slices 0–4).
    expect(await verdictMask('n05')).toBe((0xffffffff & ~0b11111) >>> 0);
  });

  it('records nothing for a summary without probes', async () => {
    expect(await recordPeerProbes(store, summary('m1', { a: [] }))).toBe(0);
    expect(await tables()).toEqual({ votes: [], verdicts: [], firsts: [] });
  });

  it('refuses malformed input before touching the store', async () => {
    await expect(recordPeerProbes(store, { ...summary('m1', { a: [[T0, 1]] }), sliceMs: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(recordPeerProbes(store, summary('m1', { a: [[-1, 1]] }))).rejects.toThrow(RangeError);
    expect((await tables()).votes).toEqual([]);
  });
});
