import type { Db, Tx } from '../capabilities.ts';

/** A made forecast as stored: the engine's answer as JSON, and the key of its request. */
export interface StoredForecast {
  request_key: string;
  answer: string;
  computed_at: number;
}

/** The latest forecast stored for a scope, interval and horizon, if any. */
export function readStoredForecast(
  db: Db | Tx,
  { scope, intervalS, horizonSteps }: { scope: string; intervalS: number; horizonSteps: number },
): Promise<StoredForecast | undefined> {
  return db
    .selectFrom('capacity_forecasts')
    .select(['request_key', 'answer', 'computed_at'])
    .where('scope', '=', scope)
    .where('interval_s', '=', intervalS)
    .where('horizon_steps', '=', horizonSteps)
    .executeTakeFirst()
    .then((row) => (row === undefined ? undefined : { ...row, computed_at: Number(row.computed_at) }));
}

/** Keeps a made forecast as the latest for its scope, interval and horizon (one row each). */
export async function storeForecast(
  db: Db | Tx,
  key: { scope: string; intervalS: number; horizonSteps: number },
  made: StoredForecast,
): Promise<void> {
  await db
    .insertInto('capacity_forecasts')
    .values({
      scope: key.scope,
      interval_s: key.intervalS,
      horizon_steps: key.horizonSteps,
      request_key: made.request_key,
      answer: made.answer,
      computed_at: made.computed_at,
    })
    .onConflict((oc) =>
      oc.columns(['scope', 'interval_s', 'horizon_steps']).doUpdateSet({
        request_key: made.request_key,
        answer: made.answer,
        computed_at: made.computed_at,
      }),
    )
    .execute();
}
