/**
 * SQLSTATE classes and codes that mean PostgreSQL cannot serve now, whatever the statement:
 * 08 connection exception, 53 insufficient resources (53100 disk full, 53300 too many
 * connections), 57P01–57P03 the server shutting down or starting, 58 system error (I/O).
 */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '58']);
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03']);
/** Socket-level errors meeting a server that went away or never answered. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Whether an error from `pg` says the database cannot serve now (connection lost, disk full). */
export function isPostgresUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_CLASSES.has(code.slice(0, 2))) return true;
  }
  // pg reports a connection that dropped mid-query, or a pool that could not get one, by message.
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(
      message,
    )
  );
}
