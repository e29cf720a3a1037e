import { describe, expect, it } from 'vitest';
import { isPostgresUnavailable } from '../../src/store/postgres/errors.ts';
import { isSqliteUnavailable } from '../../src/store/sqlite/errors.ts';

describe('what counts as a store that cannot serve now', () => {
  it('SQLite: a full disk, I/O errors, a busy or read-only file; not a constraint or a syntax error', () => {
    const sqlite = (errcode: number) => Object.assign(new Error('x'), { code: 'ERR_SQLITE_ERROR', errcode });
    for (const code of [13, 10, 778, 5, 8, 14])
      expect(isSqliteUnavailable(sqlite(code)), String(code)).toBe(true);
    for (const code of [1, 19, 1299, 2067])
      expect(isSqliteUnavailable(sqlite(code)), String(code)).toBe(false);
    expect(isSqliteUnavailable(new Error('plain'))).toBe(false);
  });

  it('PostgreSQL: lost connections, shutdown, a full disk; not a constraint or bad input', () => {
    const pg = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '08006', '57P01', '53100', '58030'])
      expect(isPostgresUnavailable(pg(code)), code).toBe(true);
    expect(isPostgresUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    for (const code of ['23505', '22021', '42601', '22P02'])
      expect(isPostgresUnavailable(pg(code)), code).toBe(false);
    expect(isPostgresUnavailable(null)).toBe(false);
  });
});
