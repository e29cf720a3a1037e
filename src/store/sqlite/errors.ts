/**
 * SQLite's primary result codes that mean the database cannot write now, whatever the
 * statement: SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_NOMEM 7, SQLITE_READONLY 8,
 * SQLITE_IOERR 10, SQLITE_FULL 13, SQLITE_CANTOPEN 14, SQLITE_PROTOCOL 15. Extended codes
 * carry the primary one in their low byte (SQLITE_IOERR_WRITE is 778 = 10 + 3·256).
 */
const UNAVAILABLE = new Set([5, 6, 7, 8, 10, 13, 14, 15]);

/** Whether a `node:sqlite` error says the database cannot serve now (a full disk, an I/O error). */
export function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof code === 'number') return UNAVAILABLE.has(code & 0xff);
  // A closed connection (the coordinator shutting down) is not a fault of the request either.
  return (error as { code?: unknown } | null)?.code === 'ERR_INVALID_STATE';
}
