import { afterEach, beforeEach } from 'vitest';
import {
  createSlaCollector,
  type SlaCollector,
  type SlaSettings,
} from '../../../src/coordinator/sla/collector.ts';
import { DEFAULT_BANDS } from '../../../src/core/sla/rules.ts';
import { silentLogger } from '../../../src/platform/log.ts';
import { type Heartbeat, writeHeartbeats } from '../../../src/store/repositories/heartbeats.ts';
import { registerNode } from '../../../src/store/repositories/nodes.ts';
import type { Store } from '../../../src/store/store.ts';
import type { TestBackend } from '../../helpers/backends.ts';

export const MIN = 60_000;
export const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);

/** The seed's thresholds on a one-minute slice and a one-hour uptime window. */
export const SLA_SETTINGS: SlaSettings = {
  thresholds: {
    uptime_pct: 95,
    response_time_ms: 1000,
    completion_rate_pct: 90,
    capacity_availability_pct: 80,
  },
  severities: DEFAULT_BANDS,
  slice_s: 60,
  uptime_window_s: 60 * 60,
  response_time_percentile: 95,
  completion_window_s: 24 * 3600,
  liveness_timeout_s: 120,
};

export interface SlaFixture {
  /** This test's migrated, empty store. */
  store(): Store;
  /** Registers a node (operator `op`, no topics) at `at`. */
  register(nodeId: string, options: { maxParallel?: number; at: number }): Promise<void>;
  /** Writes heartbeats as the ingest path does. */
  heartbeats(beats: ReadonlyArray<Pick<Heartbeat, 'node_id' | 'at'> & Partial<Heartbeat>>): Promise<void>;
  /** A collector over this store with the fixture's settings and the given clock. */
  collector(now: () => number): SlaCollector;
}

/** A store per test with what SLA collection reads: registered nodes and their heartbeats. */
export function useSlaFixture(backend: TestBackend, settings: SlaSettings = SLA_SETTINGS): SlaFixture {
  let store: Store;
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => store.close());
  return {
    store: () => store,
    async register(nodeId, { maxParallel = 1, at }) {
      await store.transaction((trx) =>
        registerNode(
          trx,
          {
            node_id: nodeId,
            public_key: null,
            endpoint: null,
            operator: 'op',
            topics: [],
            max_parallel: maxParallel,
          },
          at,
        ),
      );
    },
    async heartbeats(beats) {
      const full = beats.map((b) => ({ busy_slots: 0, queue_length: 0, version: null, ...b }));
      await store.transaction((trx) =>
        writeHeartbeats(trx, full, settings.slice_s * 1000, store.capabilities),
      );
    },
    collector: (now) => createSlaCollector({ store, settings, log: silentLogger, now }),
  };
}
