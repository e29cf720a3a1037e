import { sql } from 'kysely';
import type { MonitorVotes } from '../../core/sla/peer-median.ts';
import { mostlyUpMask, peerShares } from '../../core/sla/peer-shares.ts';
import { mergeVotes, votesFromProbes } from '../../core/sla/peer-verdicts.ts';
import { chunkForBinds, chunkKeys } from '../batching.ts';
import type { StoreCapabilities, Tx } from '../capabilities.ts';
import type { PeerSlicesTable, PeerVerdictSlicesTable } from '../schema-peer.ts';
import type { Store } from '../store.ts';

/** One monitor's interim summary, as the route hands it over (times in ms). */
export interface PeerProbeSummary {
  monitor: string;
  /** `sla.slice_s * 1000`: the slice length the bitmaps are kept in. */
  sliceMs: number;
  /** A probe's verdict stands for this long after it. */
  probeIntervalMs: number;
  targets: Array<{ target: string; probes: Array<[number, 0 | 1]> }>;
}

type MonitorRow = PeerSlicesTable;
type VerdictRow = PeerVerdictSlicesTable;

/** Two `IN` lists per statement: together they stay far inside either dialect's bind limit. */
const KEYS_PER_LIST = 2_500;

const keyOf = (nodeId: string, rowStart: number) => `${nodeId}\u0000${rowStart}`;

/**
 * Records one monitor's probes and brings the peers' majority verdict up to date, in one
 * transaction under the `peer-verdicts` lock: without it, two monitors' summaries committing
 * at once on PostgreSQL could each recompute a verdict without the other's vote. The number
 * of statements depends only on how many chunks the rows fill, never on the number of
 * targets or probes. Resending a summary changes nothing. Returns the number of probes.
 */
export async function recordPeerProbes(store: Store, input: PeerProbeSummary): Promise<number> {
  const [probes] = await recordPeerProbesMany(store, [input]);
  return probes ?? 0;
}

/**
 * Several monitors' summaries in one transaction under the `peer-verdicts` lock, as if
 * recorded one after another (a vote is an OR and a verdict is derived from all the votes, so
 * the order does not matter): one upsert of the monitors' rows, one read and one upsert of the
 * verdicts of the (node, row) keys they touch, whatever the number of summaries (decision
 * 0052). Returns each summary's number of probes, in order.
 */
export async function recordPeerProbesMany(
  store: Store,
  inputs: readonly PeerProbeSummary[],
): Promise<number[]> {
  for (const input of inputs) checkSummary(input);
  const votes = new Map<string, MonitorRow>();
  const firstProbeAt = new Map<string, number>();
  const counts = inputs.map(({ monitor, sliceMs, probeIntervalMs, targets }) => {
    let probes = 0;
    for (const { target, probes: list } of targets) {
      probes += list.length;
      for (const [rowStart, v] of votesFromProbes(list, probeIntervalMs, sliceMs)) {
        const key = `${keyOf(target, rowStart)}\u0000${sliceMs}\u0000${monitor}`;
        const prev = votes.get(key);
        const merged = prev === undefined ? v : mergeVotes({ up: prev.up_mask, down: prev.down_mask }, v);
        votes.set(key, {
          node_id: target,
          slice_ms: sliceMs,
          row_start: rowStart,
          monitor_id: monitor,
          up_mask: merged.up,
          down_mask: merged.down,
        });
      }
      for (const [at] of list) firstProbeAt.set(target, Math.min(firstProbeAt.get(target) ?? at, at));
    }
    return probes;
  });
  if (votes.size === 0) return counts;

  const rows = [...votes.values()];
  const sliceLengths = [...new Set(rows.map((r) => r.slice_ms))];
  await store.exclusive('peer-verdicts', async (trx) => {
    await upsertMonitorVotes(trx, rows, store.capabilities);
    await recordFirstProbes(trx, firstProbeAt, store.capabilities);
    for (const sliceMs of sliceLengths) {
      const verdicts = await majorityFor(
        trx,
        sliceMs,
        rows.filter((r) => r.slice_ms === sliceMs),
      );
      await upsertVerdicts(trx, verdicts, store.capabilities);
    }
  });
  return counts;
}

function checkSummary({ sliceMs, probeIntervalMs, targets }: PeerProbeSummary): void {
  if (!Number.isSafeInteger(sliceMs) || sliceMs <= 0)
    throw new RangeError(`sliceMs must be a positive integer`);
  if (!Number.isSafeInteger(probeIntervalMs) || probeIntervalMs <= 0) {
    throw new RangeError(`probeIntervalMs must be a positive integer`);
  }
  for (const { target, probes } of targets) {
    for (const [at, v] of probes) {
      if (!Number.isSafeInteger(at) || at < 0 || (v !== 0 && v !== 1)) {
        throw new RangeError(`malformed probe [${at}, ${v}] for target ${target}`);
      }
    }
  }
}

/** The monitor's bits OR-ed into what it said before: a vote, once given, is kept. */
async function upsertMonitorVotes(trx: Tx, rows: MonitorRow[], caps: StoreCapabilities): Promise<void> {
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    await trx
      .insertInto('peer_slices')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['node_id', 'slice_ms', 'row_start', 'monitor_id']).doUpdateSet({
          up_mask: sql`peer_slices.up_mask | excluded.up_mask`,
          down_mask: sql`peer_slices.down_mask | excluded.down_mask`,
        }),
      )
      .execute();
  }
}

async function recordFirstProbes(
  trx: Tx,
  firsts: Map<string, number>,
  caps: StoreCapabilities,
): Promise<void> {
  const rows = [...firsts].map(([node_id, first_probe_at]) => ({ node_id, first_probe_at }));
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    await trx
      .insertInto('peer_first_probes')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .column('node_id')
          .doUpdateSet((eb) => ({ first_probe_at: eb.ref('excluded.first_probe_at') }))
          .where('peer_first_probes.first_probe_at', '>', (eb) => eb.ref('excluded.first_probe_at')),
      )
      .execute();
  }
}

/** A row's monitors' bits as stored: `[[monitor_id, up, down], …]`, sorted by monitor. */
export function encodeMonitorVotes(votes: readonly MonitorVotes[]): string {
  const sorted = [...votes].sort((a, b) => (a.monitor < b.monitor ? -1 : a.monitor > b.monitor ? 1 : 0));
  return JSON.stringify(sorted.map((v) => [v.monitor, v.up, v.down]));
}

/** The monitors' bits of a stored row, or null for a row derived before they were kept (migration 0008). */
export function decodeMonitorVotes(text: string | null): MonitorVotes[] | null {
  if (text === null) return null;
  return (JSON.parse(text) as Array<[string, number, number]>).map(([monitor, up, down]) => ({
    monitor,
    up,
    down,
  }));
}

/**
 * The peers' verdict (every monitor's bits, and the mostly-up mask) of exactly the touched
 * (node, row) keys, from every monitor's row for them. The read asks for touched nodes × touched row starts, a superset that is the touched
 * set itself in practice (a monitor probes all its targets on one schedule), and serves from
 * the primary key's (node_id, slice_ms, row_start) prefix.
 */
async function majorityFor(trx: Tx, sliceMs: number, touched: readonly MonitorRow[]): Promise<VerdictRow[]> {
  const wanted = new Map<string, MonitorVotes[]>(touched.map((r) => [keyOf(r.node_id, r.row_start), []]));
  const nodes = [...new Set(touched.map((r) => r.node_id))];
  const rowStarts = [...new Set(touched.map((r) => r.row_start))];
  for (const nodeChunk of chunkKeys(nodes, KEYS_PER_LIST)) {
    for (const rowChunk of chunkKeys(rowStarts, KEYS_PER_LIST)) {
      const rows = await trx
        .selectFrom('peer_slices')
        .select(['node_id', 'row_start', 'monitor_id', 'up_mask', 'down_mask'])
        .where('node_id', 'in', nodeChunk)
        .where('slice_ms', '=', sliceMs)
        .where('row_start', 'in', rowChunk)
        .execute();
      for (const r of rows)
        wanted
          .get(keyOf(r.node_id, r.row_start))
          ?.push({ monitor: r.monitor_id, up: Number(r.up_mask), down: Number(r.down_mask) });
    }
  }
  // One verdict per key: several monitors' rows may touch it, and an upsert may not name a row twice.
  return [...wanted].map(([key, votes]) => {
    const [node_id = '', rowStart = '0'] = key.split('\u0000');
    return {
      node_id,
      slice_ms: sliceMs,
      row_start: Number(rowStart),
      mask: mostlyUpMask(peerShares(votes)),
      monitor_votes: encodeMonitorVotes(votes),
    };
  });
}

/** Derived verdicts replace the old ones: a new down vote can take a slice's life away. */
async function upsertVerdicts(trx: Tx, rows: VerdictRow[], caps: StoreCapabilities): Promise<void> {
  for (const chunk of chunkForBinds(rows, caps.maxBindParameters)) {
    await trx
      .insertInto('peer_verdict_slices')
      .values(chunk)
      .onConflict((oc) =>
        oc.columns(['node_id', 'slice_ms', 'row_start']).doUpdateSet((eb) => ({
          mask: eb.ref('excluded.mask'),
          monitor_votes: eb.ref('excluded.monitor_votes'),
        })),
      )
      .execute();
  }
}
