/**
 * Whether a database URL selects PostgreSQL (anything else is a SQLite file path). Kept apart
 * from store.ts so the CLI can ask without loading the database drivers at start-up.
 */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
