/**
 * Where one queue's data lives in Redis. Every key is `<prefix>:{<prefix>}:…`: it starts with
 * the configured prefix, so networks sharing a Redis never meet and an operator finds a
 * network's keys with `SCAN MATCH <prefix>:*`; the braces are a Redis Cluster hash tag, so all
 * keys of one queue hash to one slot. That matters because each operation is one Lua script
 * that builds item and topic keys from the base at run time (a claim cannot name the items it
 * will take in advance), and a script may only touch keys of the slot it was routed to.
 *
 * - `item:<id>`    hash: topic, payload, attempts, max_attempts, enqueued_at, available_at,
 *                  state (ready | leased | dead), lease_owner, lease_token, lease_expires_at, dead_at
 * - `ready:<topic>`  zset of ready ids scored by available_at; equal scores order by id
 *                  (Redis sorts ties by member bytes), which is the claim order
 * - `leased:<topic>` set of leased ids, for the per-topic leased count
 * - `dead:<topic>`   zset of dead ids scored by dead_at
 * - `leases`         zset of leased ids (all topics) scored by lease_expires_at
 * - `topics`         set of topics that have held items, for stats
 */
export interface QueueKeys {
  /** Prepended to the key names above inside the scripts. */
  readonly base: string;
  readonly leases: string;
  readonly topics: string;
}

export function queueKeys(prefix: string): QueueKeys {
  const base = `${prefix}:{${prefix}}:`;
  return { base, leases: `${base}leases`, topics: `${base}topics` };
}
