/** Tables of epochs, reports and settlements (migration 0002). Times are UTC ms. */
export interface EpochTables {
  epochs: EpochsTable;
  epoch_members: EpochMembersTable;
  monitor_reports: MonitorReportsTable;
  settlements: SettlementsTable;
  request_signatures: RequestSignaturesTable;
}

/** One epoch this coordinator recorded, from the first it saw; see docs/decisions/0014. */
export interface EpochsTable {
  epoch: number;
  start_ms: number;
  end_ms: number;
  report_window_end_ms: number;
  /** `monitoring.group_size` when the members were taken, so a config change never reshuffles an epoch. */
  group_size: number | null;
  /** Hash of settlement n−1 (or the genesis constant); null until it exists. */
  previous_settlement_hash: string | null;
  /** epochSeed(n, previous_settlement_hash); null with it. */
  seed: string | null;
  /** When the member snapshot was taken; null until then. */
  members_taken_at: number | null;
  settled_at: number | null;
  settlement_hash: string | null;
}

/** The nodes of an epoch, fixed at its start, with the key each had then. */
export interface EpochMembersTable {
  epoch: number;
  node_id: string;
  public_key: string;
}

/** One accepted signed report per monitor and epoch. */
export interface MonitorReportsTable {
  epoch: number;
  monitor: string;
  /** reportDigest of the signed report: equal digests are the same report. */
  digest: string;
  /** The signed report's JSON text exactly as received. */
  body: string;
  received_at: number;
}

/** The coordinator's signed settlement of an epoch; written once, never replaced. */
export interface SettlementsTable {
  epoch: number;
  /** settlementHash(document). */
  hash: string;
  /** Canonical JSON (RFC 8785) of the settlement. */
  document: string;
  signature: string;
  /** The coordinator key that signed it, as exportPublicKey writes it. */
  public_key: string;
  settled_at: number;
}

/** Node-signed request signatures seen recently, so a replay is refused. */
export interface RequestSignaturesTable {
  signature: string;
  node_id: string;
  seen_at: number;
}
