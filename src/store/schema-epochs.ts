/** Tables of epochs, reports and settlements (migration 0002). */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by migration 0002's tables
export interface EpochTables {}
