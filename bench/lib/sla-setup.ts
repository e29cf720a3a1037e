import { mostlyUpMask, peerShares } from '../../src/core/sla/peer-shares.ts';
import { writeHeartbeats } from '../../src/store/repositories/heartbeats.ts';
import { recordOutcomes } from '../../src/store/repositories/outcomes.ts';
import { encodeMonitorVotes } from '../../src/store/repositories/peer-slices.ts';
import { EMPTY_SAMPLES } from '../../src/store/repositories/response-samples.ts';
import { openStore } from '../../src/store/store.ts';
import { openBulkWriter } from './bulk.ts';
import type { BenchDatabase } from './common.ts';
import {
  type FleetSpec,
  heartbeatTimes,
  historyStart,
  type NodeProfile,
  peerVerdictRows,
  sliceRows,
} from './fleet.ts';
import { OUTCOME_COLUMNS, OutcomeStream } from './outcome-stream.ts';

const DAY = 86_400_000;
const NODE_CHUNK = 1_000;
const OUTCOME_CHUNK = 25_000;

export interface SetupPhase {
  name: string;
  ms: number;
}

/**
 * Writes the fleet straight into the tables: nodes, node_status and heartbeat_slices for the
 * last 25 h, then 7 days of job_outcomes, then the rollups and response samples that
 * recordOutcomes would have maintained for them. Returns the stream (for the cross-check).
 */
export async function loadFleet(
  db: BenchDatabase,
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  watched: ReadonlySet<number>,
  phases: SetupPhase[],
): Promise<{ stream: OutcomeStream; beats: Map<number, number[]> }> {
  const writer = openBulkWriter(db);
  const phase = async (name: string, fn: () => Promise<void>) => {
    const start = performance.now();
    await writer.begin();
    await fn();
    await writer.commit();
    phases.push({ name, ms: performance.now() - start });
  };
  const beats = new Map<number, number[]>();
  const stream = new OutcomeStream(spec, profiles, watched);
  try {
    await phase('nodes, node_topics, node_status, heartbeat and peer slices', async () => {
      for (let c = 0; c < profiles.length; c += NODE_CHUNK) {
        const chunk = profiles.slice(c, c + NODE_CHUNK);
        await writer.insert('nodes', NODE_TYPES, nodeColumns(chunk, spec.now - 30 * DAY));
        // registerNode keeps each topic as a row too, for exact topic filters.
        await writer.insert('node_topics', TOPIC_TYPES, {
          node_id: chunk.map((p) => p.node_id),
          topic: chunk.map((p) => p.topic),
        });
        const status = columns(STATUS_TYPES);
        const slices = columns(SLICE_TYPES);
        const verdicts = columns(VERDICT_TYPES);
        const firstProbes = columns(FIRST_PROBE_TYPES);
        for (const p of chunk) {
          const times = heartbeatTimes(p, spec, historyStart(spec), spec.now);
          if (watched.has(p.index)) beats.set(p.index, times);
          if (times.length === 0) continue;
          push(status, {
            node_id: p.node_id,
            first_heartbeat_at: times[0],
            last_heartbeat_at: times[times.length - 1],
            busy_slots: p.busy_slots,
            queue_length: p.queue_length,
            version: '1.4.2',
          });
          const rows = sliceRows(times, spec.sliceMs);
          for (const row of rows) push(slices, { node_id: p.node_id, slice_ms: spec.sliceMs, ...row });
          // What recordPeerProbes would have derived from the monitors' summaries.
          for (const { row_start, up, down, monitors } of peerVerdictRows(p, spec, rows)) {
            const votes = monitors.map((monitor) => ({ monitor, up, down }));
            push(verdicts, {
              node_id: p.node_id,
              slice_ms: spec.sliceMs,
              row_start,
              mask: mostlyUpMask(peerShares(votes)),
              monitor_votes: encodeMonitorVotes(votes),
            });
          }
          if (spec.peers > 0) push(firstProbes, { node_id: p.node_id, first_probe_at: historyStart(spec) });
        }
        await writer.insert('node_status', STATUS_TYPES, status);
        await writer.insert('heartbeat_slices', SLICE_TYPES, slices);
        await writer.insert('peer_verdict_slices', VERDICT_TYPES, verdicts);
        await writer.insert('peer_first_probes', FIRST_PROBE_TYPES, firstProbes);
      }
    });
    await phase('job_outcomes (secondary indexes built after)', async () => {
      const rebuild = await writer.deferIndexes('job_outcomes');
      for (const chunk of stream.chunks(OUTCOME_CHUNK))
        await writer.insert('job_outcomes', OUTCOME_TYPES, chunk);
      await rebuild();
    });
    await phase('outcome_rollups, node_response_samples', async () => {
      // Bucket by bucket, as they accumulate in production, so both indexes grow as they would.
      for (const bucketMs of [spec.grain.fineMs, spec.grain.coarseMs]) {
        for (let k = 0; k < stream.bucketCount(bucketMs); k++) {
          const rollups = columns(ROLLUP_TYPES);
          for (const p of profiles) {
            const r = stream.rollupAt(p.index, bucketMs, k);
            if (r !== null) push(rollups, { node_id: p.node_id, ...r });
          }
          await writer.insert('outcome_rollups', ROLLUP_TYPES, rollups);
        }
      }
      for (let c = 0; c < profiles.length; c += NODE_CHUNK) {
        const samples = columns(SAMPLE_TYPES);
        for (const p of profiles.slice(c, c + NODE_CHUNK)) {
          // registerNode creates every node's row empty; recordOutcomes overwrites it.
          const received = stream.lastReceived[p.index] ?? 0;
          push(samples, {
            node_id: p.node_id,
            samples: stream.samplesOf(p.index),
            updated_at: received > 0 ? received : spec.now - 30 * DAY,
          });
        }
        await writer.insert('node_response_samples', SAMPLE_TYPES, samples);
      }
    });
    const start = performance.now();
    await writer.settle(TABLES);
    phases.push({
      name: db.backend === 'sqlite' ? 'wal checkpoint, fsync' : 'vacuum analyze, checkpoint',
      ms: performance.now() - start,
    });
  } finally {
    await writer.close();
  }
  return { stream, beats };
}

/**
 * Replays the watched nodes' heartbeats and outcomes through the real writeHeartbeats and
 * recordOutcomes (batches of 100, in arrival order) on an in-memory store, and checks that
 * they leave exactly the rows the bulk generator wrote. Throws on any difference.
 */
export async function crossCheck(
  spec: FleetSpec,
  profiles: readonly NodeProfile[],
  loaded: { stream: OutcomeStream; beats: Map<number, number[]> },
): Promise<string> {
  const store = openStore({ databaseUrl: ':memory:' });
  try {
    await store.migrate();
    const watched = [...loaded.beats.keys()].map((i) => profiles[i] as NodeProfile);
    const nodeRows = nodeColumns(watched, spec.now - 30 * DAY);
    await store.db
      .insertInto('nodes')
      .values(watched.map((_, i) => rowAt(nodeRows, i) as never))
      .execute();
    let beatCount = 0;
    for (const p of watched) {
      const times = loaded.beats.get(p.index) ?? [];
      beatCount += times.length;
      for (let i = 0; i < times.length; i += 100) {
        const batch = times.slice(i, i + 100).map((at) => ({
          node_id: p.node_id,
          at,
          busy_slots: p.busy_slots,
          queue_length: p.queue_length,
          version: '1.4.2',
        }));
        await store.db
          .transaction()
          .execute((trx) => writeHeartbeats(trx, batch, spec.sliceMs, store.capabilities));
      }
    }
    const outcomes = loaded.stream.watchedOutcomes;
    for (let i = 0; i < outcomes.length; i += 100) {
      const batch = outcomes.slice(i, i + 100);
      const now = Math.max(...batch.map((o) => o.received_at));
      await store.db.transaction().execute((trx) =>
        recordOutcomes(
          trx,
          batch.map(({ received_at: _, ...o }) => o),
          { now, sampleSize: spec.sampleSize, grain: spec.grain, caps: store.capabilities },
        ),
      );
    }
    for (const p of watched) {
      const expect = (what: string, real: unknown, bulk: unknown) => {
        if (JSON.stringify(real) !== JSON.stringify(bulk)) {
          throw new Error(
            `cross-check failed for ${p.node_id} ${what}:\n real ${JSON.stringify(real)}\n bulk ${JSON.stringify(bulk)}`,
          );
        }
      };
      const times = loaded.beats.get(p.index) ?? [];
      const slices = await store.db
        .selectFrom('heartbeat_slices')
        .select(['row_start', 'mask'])
        .where('node_id', '=', p.node_id)
        .orderBy('row_start')
        .execute();
      expect(
        'heartbeat_slices',
        slices,
        sliceRows(times, spec.sliceMs).sort((a, b) => a.row_start - b.row_start),
      );
      const status = await store.db
        .selectFrom('node_status')
        .select(['first_heartbeat_at', 'last_heartbeat_at'])
        .where('node_id', '=', p.node_id)
        .executeTakeFirst();
      expect(
        'node_status',
        status,
        times.length === 0 ? undefined : { first_heartbeat_at: times[0], last_heartbeat_at: times.at(-1) },
      );
      const rollups = await store.db
        .selectFrom('outcome_rollups')
        .select(['bucket_ms', 'bucket_start', 'successes', 'failures', 'duration_sum_ms'])
        .where('node_id', '=', p.node_id)
        .orderBy('bucket_ms')
        .orderBy('bucket_start')
        .execute();
      expect('outcome_rollups', rollups, loaded.stream.rollupsOf(p.index));
      const samples = await store.db
        .selectFrom('node_response_samples')
        .select('samples')
        .where('node_id', '=', p.node_id)
        .executeTakeFirst();
      const bulkSamples = loaded.stream.samplesOf(p.index);
      expect('node_response_samples', samples?.samples ?? EMPTY_SAMPLES, bulkSamples);
    }
    return `${watched.length} nodes (${watched.map((p) => p.kind + (p.slow ? '+slow' : '') + (p.flaky ? '+flaky' : '')).join(', ')}), ${beatCount} heartbeats, ${outcomes.length} outcomes replayed through the real write path: identical rows`;
  } finally {
    await store.close();
  }
}

const TABLES = [
  'nodes',
  'node_topics',
  'node_status',
  'heartbeat_slices',
  'peer_verdict_slices',
  'peer_first_probes',
  'job_outcomes',
  'outcome_rollups',
  'node_response_samples',
];

const NODE_TYPES = {
  node_id: 'text',
  public_key: 'text',
  endpoint: 'text',
  operator: 'text',
  topics: 'text',
  max_parallel: 'int8',
  state: 'text',
  registered_at: 'int8',
  updated_at: 'int8',
} as const;
const TOPIC_TYPES = { node_id: 'text', topic: 'text' } as const;
const STATUS_TYPES = {
  node_id: 'text',
  first_heartbeat_at: 'int8',
  last_heartbeat_at: 'int8',
  busy_slots: 'int8',
  queue_length: 'int8',
  version: 'text',
} as const;
const SLICE_TYPES = { node_id: 'text', slice_ms: 'int8', row_start: 'int8', mask: 'int8' } as const;
const VERDICT_TYPES = { ...SLICE_TYPES, monitor_votes: 'text' } as const;
const FIRST_PROBE_TYPES = { node_id: 'text', first_probe_at: 'int8' } as const;
const OUTCOME_TYPES = Object.fromEntries(
  OUTCOME_COLUMNS.map((c) => [c, c.endsWith('_at') || c === 'duration_ms' ? 'int8' : 'text']),
) as Record<(typeof OUTCOME_COLUMNS)[number], 'text' | 'int8'>;
const ROLLUP_TYPES = {
  node_id: 'text',
  bucket_ms: 'int8',
  bucket_start: 'int8',
  successes: 'int8',
  failures: 'int8',
  duration_sum_ms: 'int8',
} as const;
const SAMPLE_TYPES = { node_id: 'text', samples: 'text', updated_at: 'int8' } as const;

type Cols = Record<string, unknown[]>;
const columns = (types: Record<string, string>): Cols =>
  Object.fromEntries(Object.keys(types).map((k) => [k, [] as unknown[]]));
function push(cols: Cols, row: Record<string, unknown>): void {
  for (const k in cols) cols[k]?.push(row[k]);
}
const rowAt = (cols: Cols, i: number): Record<string, unknown> =>
  Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[i]]));

function nodeColumns(chunk: readonly NodeProfile[], registeredAt: number): Cols {
  const cols = columns(NODE_TYPES);
  for (const p of chunk) {
    push(cols, {
      node_id: p.node_id,
      // A 32-byte ed25519 key in base64, as registration stores it.
      public_key: Buffer.alloc(32, p.index % 251).toString('base64'),
      endpoint: `https://${p.node_id}.nodes.example.net:8443`,
      operator: `operator-${String(p.index % 400).padStart(3, '0')}`,
      topics: JSON.stringify([p.topic]),
      max_parallel: p.max_parallel,
      state: 'active',
      registered_at: registeredAt,
      updated_at: registeredAt,
    });
  }
  return cols;
}
