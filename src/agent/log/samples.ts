import type { DatabaseSync } from 'node:sqlite';
import type { ProbeSample } from '../../core/reports/index.ts';
import { transaction } from './database.ts';

/** A counted probe of one target in one epoch, as the log keeps it. */
export interface LoggedSample extends ProbeSample {
  epoch: number;
  target: string;
}

/** Logs probes in one transaction; a probe already logged is skipped. Returns how many were new. */
export function insertSamples(db: DatabaseSync, samples: readonly LoggedSample[]): number {
  if (samples.length === 0) return 0;
  const insert = db.prepare(
    'INSERT OR IGNORE INTO samples (epoch, target, at_ms, up, latency_ms) VALUES (?, ?, ?, ?, ?)',
  );
  return transaction(db, () => {
    let added = 0;
    for (const s of samples) {
      added += Number(insert.run(s.epoch, s.target, s.at_ms, s.up ? 1 : 0, s.latency_ms).changes);
    }
    return added;
  });
}

/** Every logged probe of an epoch, by target, oldest first. */
export function samplesOfEpoch(db: DatabaseSync, epoch: number): Map<string, ProbeSample[]> {
  const rows = db
    .prepare('SELECT target, at_ms, up, latency_ms FROM samples WHERE epoch = ? ORDER BY target, at_ms')
    .all(epoch) as Array<{ target: string; at_ms: number; up: number; latency_ms: number | null }>;
  const byTarget = new Map<string, ProbeSample[]>();
  for (const row of rows) {
    let list = byTarget.get(row.target);
    if (list === undefined) {
      list = [];
      byTarget.set(row.target, list);
    }
    list.push({ at_ms: row.at_ms, up: row.up === 1, latency_ms: row.latency_ms });
  }
  return byTarget;
}

/** How many probes of an epoch are logged. */
export function countSamples(db: DatabaseSync, epoch: number): number {
  return (db.prepare('SELECT count(*) AS n FROM samples WHERE epoch = ?').get(epoch) as { n: number }).n;
}

/** Epochs that still have probes in the log. */
export function epochsWithSamples(db: DatabaseSync): number[] {
  return (
    db.prepare('SELECT DISTINCT epoch FROM samples ORDER BY epoch').all() as Array<{ epoch: number }>
  ).map((r) => r.epoch);
}
