/** Tables of peer-observed uptime (migration 0003). */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by migration 0003's tables
export interface PeerTables {}
