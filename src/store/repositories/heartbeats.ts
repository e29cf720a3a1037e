import { sql } from 'kysely';
import { bitMask, sliceAddress } from '../../core/sla/slices.ts';
import { chunkForBinds, chunkKeys } from '../batching.ts';
import type { StoreCapabilities, Tx } from '../capabilities.ts';
import { activeNodeIds } from './nodes.ts';

export interface Heartbeat {
  node_id: string;
  /** When the coordinator received it: uptime rests on the coordinator's clock, not the node's. */
  at: number;
  busy_slots: number;
  queue_length: number;
  version: string | null;
}

/**
 * Writes a batch of heartbeats in one transaction with a fixed number of statements,
 * whatever the batch size: the latest status per node, and the slice bits they set.
 * Returns the node ids that were not registered (their heartbeats are not stored).
 */
export async function writeHeartbeats(
  trx: Tx,
  beats: readonly Heartbeat[],
  sliceMs: number,
  caps: StoreCapabilities,
): Promise<Set<string>> {
  const ids = [...new Set(beats.map((b) => b.node_id))];
  const known = new Set<string>();
  for (const chunk of chunkKeys(ids)) for (const id of await activeNodeIds(trx, chunk)) known.add(id);
  const unknown = new Set(ids.filter((id) => !known.has(id)));

  const latest = new Map<string, Heartbeat>();
  const first = new Map<string, number>();
  const masks = new Map<string, { node_id: string; row_start: number; mask: number }>();
  for (const b of beats) {
    if (!known.has(b.node_id)) continue;
    const prev = latest.get(b.node_id);
    if (prev === undefined || prev.at <= b.at) latest.set(b.node_id, b);
    first.set(b.node_id, Math.min(first.get(b.node_id) ?? b.at, b.at));
    const { rowStart, bit } = sliceAddress(b.at, sliceMs);
    const key = `${b.node_id}\u0000${rowStart}`;
    const entry = masks.get(key) ?? { node_id: b.node_id, row_start: rowStart, mask: 0 };
    entry.mask = (entry.mask | bitMask(bit)) >>> 0;
    masks.set(key, entry);
  }

  const statusRows = [...latest.values()].map((b) => ({
    node_id: b.node_id,
    first_heartbeat_at: first.get(b.node_id) ?? b.at,
    last_heartbeat_at: b.at,
    busy_slots: b.busy_slots,
    queue_length: b.queue_length,
    version: b.version,
  }));
  for (const chunk of chunkForBinds(statusRows, caps.maxBindParameters)) {
    await trx
      .insertInto('node_status')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .column('node_id')
          .doUpdateSet((eb) => ({
            last_heartbeat_at: eb.ref('excluded.last_heartbeat_at'),
            busy_slots: eb.ref('excluded.busy_slots'),
            queue_length: eb.ref('excluded.queue_length'),
            version: sql`coalesce(excluded.version, node_status.version)`,
          }))
          // A heartbeat delayed behind a newer one must not roll the status back.
          .where('node_status.last_heartbeat_at', '<=', (eb) => eb.ref('excluded.last_heartbeat_at')),
      )
      .execute();
  }

  const sliceRows = [...masks.values()].map((m) => ({ ...m, slice_ms: sliceMs }));
  for (const chunk of chunkForBinds(sliceRows, caps.maxBindParameters)) {
    await trx
      .insertInto('heartbeat_slices')
      .values(chunk)
      .onConflict((oc) =>
        oc
          .columns(['node_id', 'slice_ms', 'row_start'])
          .doUpdateSet({ mask: sql`heartbeat_slices.mask | excluded.mask` }),
      )
      .execute();
  }
  return unknown;
}
