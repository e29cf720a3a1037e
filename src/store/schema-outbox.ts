/** The coordinator's outgoing deliveries and sync positions (migration 0005). Times are UTC ms. */
export interface OutboxTables {
  outbox: OutboxTable;
  watermarks: WatermarksTable;
}

export type OutboxState = 'pending' | 'delivered' | 'failed';

/**
 * One body to deliver to one channel, written in the transaction that decided it, sent later
 * by a dispatcher (alerts now; billing sync shares it). `stream` says whose row it is.
 */
export interface OutboxTable {
  id: string;
  stream: string;
  channel: string;
  payload: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** How far a consumer has read a source (for example, usage events synced to a billing system). */
export interface WatermarksTable {
  name: string;
  /** Opaque to the store: whatever position the consumer keeps (an id, a timestamp). */
  position: string;
  updated_at: number;
}
