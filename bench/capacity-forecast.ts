import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Insertable } from 'kysely';
import { defaultConfig } from '../src/config/index.ts';
import { topicSchema } from '../src/config/topic-schema.ts';
import { assembleCoordinator } from '../src/coordinator/assemble.ts';
import { createApiKey } from '../src/coordinator/auth/keys.ts';
import { loadCoordinatorKey } from '../src/coordinator/epochs/signing-key.ts';
import { silentLogger } from '../src/platform/log.ts';
import type { CapacitySeriesTable } from '../src/store/schema-capacity.ts';
import { openStore, type Store } from '../src/store/store.ts';
import {
  type BackendName,
  createBenchDatabase,
  fmtInt,
  fmtMiB,
  fmtMs,
  machine,
  parseCount,
  peakRss,
} from './lib/common.ts';
import { waitForQuietLoad } from './lib/quiet-load.ts';

/**
 * `npm run bench -- capacity-forecast [--backend sqlite|postgres] [--topics 100] [--hours 8760]
 *   [--repeat 20] [--quiet-load L]`
 *
 * The capacity API end to end (auth, the store read, the forecast thread, serialization) on a
 * year of hourly history for the fleet and `--topics` topics: the first
 * `GET /sla/capacity/forecast?topic=…` (no forecast made yet: read, fit, backtest), the same
 * request again (made: the cache), and the first and a repeated `GET /sla/capacity/recommendations`
 * (every scope forecast, as the coordinator's schedule does ahead of requests). Target: a forecast
 * request under 1 s for a topic with a year of hourly history.
 */
const TARGET_MS = 1000;
const HOUR_MS = 3_600_000;
const NOW = Date.UTC(2026, 0, 15, 12, 30);

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      backend: { type: 'string', default: 'sqlite' },
      topics: { type: 'string', default: '100' },
      hours: { type: 'string', default: '8760' },
      repeat: { type: 'string', default: '20' },
      'quiet-load': { type: 'string' },
    },
  });
  const backend = values.backend as BackendName;
  if (backend !== 'sqlite' && backend !== 'postgres') throw new Error('--backend must be sqlite or postgres');
  const topics = parseCount(values.topics, 100);
  const hours = parseCount(values.hours, 8760);
  const repeat = parseCount(values.repeat, 20);
  console.log(`capacity-forecast: ${backend}, fleet + ${topics} topics × ${fmtInt(hours)} hourly intervals`);
  console.log(machine());

  const db = await createBenchDatabase(backend);
  const keyDir = mkdtempSync(join(tmpdir(), 'vigil-bench-key-'));
  const config = defaultConfig();
  config.database_url = db.databaseUrl;
  config.auth.signing_key_path = join(keyDir, 'coordinator.key');
  const names = Array.from({ length: topics }, (_, i) => `t${String(i).padStart(3, '0')}`);
  config.topics = names.map((name) => topicSchema.parse({ name }));
  const store = openStore({ databaseUrl: config.database_url });
  await store.migrate();
  const key = await loadCoordinatorKey(config.auth.signing_key_path);
  const coordinator = await assembleCoordinator(store, config, key, { log: silentLogger, now: () => NOW });
  const reader = await createApiKey(store.db, 'read', 'bench', NOW);
  try {
    const loadStarted = performance.now();
    for (const scope of ['fleet', ...names.map((n) => `topic:${n}`)]) await seed(store, scope, hours);
    console.log(
      `loaded ${fmtInt((topics + 1) * (hours + 1))} buckets in ${fmtMs(performance.now() - loadStarted)}`,
    );
    await waitForQuietLoad(values['quiet-load'] === undefined ? undefined : Number(values['quiet-load']));

    const get = async (url: string) => {
      const started = performance.now();
      const res = await coordinator.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${reader.key}` },
      });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      return { ms: performance.now() - started, body: res.json() as Record<string, unknown> };
    };
    // The thread starts with the first forecast: that one pays for loading the engine.
    const first = await get(`/sla/capacity/forecast?topic=${names[0] ?? 't000'}`);
    const topic = `/sla/capacity/forecast?topic=${names[1] ?? names[0] ?? 't000'}`;
    const cold = await get(topic);
    const warm: number[] = [];
    for (let i = 0; i < repeat; i++) warm.push((await get(topic)).ms);
    const b = cold.body as { model: string; why: string };
    console.log(`model ${b.model}: ${b.why}`);

    const recommendationsCold = await get('/sla/capacity/recommendations');
    const recommendationsWarm = await get('/sla/capacity/recommendations');
    const rows: Array<[string, string, string]> = [
      ['GET /sla/capacity/forecast?topic=…, the first (starts the thread)', fmtMs(first.ms), ''],
      [
        'GET /sla/capacity/forecast?topic=…, not yet made (read, fit, backtest)',
        fmtMs(cold.ms),
        verdict(cold.ms),
      ],
      [
        `  again, made (median / p95 of ${repeat})`,
        `${fmtMs(median(warm))} / ${fmtMs(p95(warm))}`,
        verdict(p95(warm)),
      ],
      [
        `GET /sla/capacity/recommendations, ${topics - 1} scopes not yet made`,
        fmtMs(recommendationsCold.ms),
        '',
      ],
      ['  again, every forecast made', fmtMs(recommendationsWarm.ms), ''],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [label, figure, ok] of rows)
      console.log(`${label.padEnd(width)}  ${figure.padStart(16)}  ${ok}`);
    console.log(`peak RSS ${fmtMiB(peakRss())}`);
  } finally {
    await coordinator.app.close();
    await coordinator.queue.close();
    await store.close();
    await db.cleanup();
    rmSync(keyDir, { recursive: true, force: true });
  }
}

/** `hours` complete hourly buckets ending at NOW's hour, and the hour in progress. */
async function seed(store: Store, scope: string, hours: number): Promise<void> {
  const current = Math.floor(NOW / HOUR_MS) * HOUR_MS;
  let state = 7;
  const noise = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  const rows: Insertable<CapacitySeriesTable>[] = [];
  for (let i = 0; i <= hours; i++) {
    const busy =
      20 +
      0.001 * i +
      8 * Math.sin((2 * Math.PI * i) / 24) +
      4 * Math.sin((2 * Math.PI * i) / 168) +
      3 * noise();
    rows.push({
      scope,
      interval_s: 3600,
      bucket_start: current - (hours - i) * HOUR_MS,
      samples: 60,
      busy_sum: 60 * Math.max(0, busy),
      queued_sum: 0,
      supply_sum: 60 * 40,
      live_nodes_sum: 60 * 5,
      arrivals: 0,
      work_slot_s: 0,
      last_sample_at: current - (hours - i) * HOUR_MS,
    });
  }
  await store.db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 500)
      await trx
        .insertInto('capacity_series')
        .values(rows.slice(i, i + 500))
        .execute();
  });
}

const verdict = (ms: number) => (ms <= TARGET_MS ? `≤ ${TARGET_MS} ms: met` : `> ${TARGET_MS} ms: missed`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0;
