/** Splits rows into chunks that keep one statement under the dialect's bind-parameter limit. */
export function chunkForBinds<T extends object>(rows: readonly T[], maxBindParameters: number): T[][] {
  if (rows.length === 0) return [];
  const columns = Math.max(1, Object.keys(rows[0] as object).length);
  const size = Math.max(1, Math.floor(maxBindParameters / columns));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

/** Splits a list of keys for `IN (…)` lists. */
export function chunkKeys<T>(keys: readonly T[], size = 5_000): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < keys.length; i += size) chunks.push(keys.slice(i, i + size));
  return chunks;
}
