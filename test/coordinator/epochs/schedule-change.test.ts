import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import {
  checkScheduleAgainst,
  ScheduleChangedError,
} from '../../../src/coordinator/epochs/schedule-check.ts';
import { type RunningCoordinator, startCoordinator } from '../../../src/coordinator/server.ts';
import { epochSchedule } from '../../../src/core/monitoring/epochs.ts';
import { silentLogger } from '../../../src/platform/log.ts';
import { getEpoch, recordedRange } from '../../../src/store/repositories/epochs.ts';

const GENESIS = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const spans = (length: number, count: number, first = 0, genesis = GENESIS) =>
  Array.from({ length: count }, (_, i) => ({
    epoch: first + i,
    start_ms: genesis + i * length,
    end_ms: genesis + (i + 1) * length,
  }));

describe('a changed epoch schedule', () => {
  it('is refused when it would move a recorded epoch, saying how to change it safely', () => {
    const recorded = spans(HOUR, 3);
    expect(() =>
      checkScheduleAgainst(
        epochSchedule({ genesis_ms: GENESIS, length_ms: HOUR, report_window_ms: 0 }),
        recorded,
      ),
    ).not.toThrow();
    const longer = epochSchedule({ genesis_ms: GENESIS, length_ms: 2 * HOUR, report_window_ms: 0 });
    expect(() => checkScheduleAgainst(longer, recorded)).toThrow(ScheduleChangedError);
    expect(() => checkScheduleAgainst(longer, recorded)).toThrow(
      /epoch 0 was recorded as .* set epochs.first_epoch to 3 and epochs.genesis to 2026-01-01T03:00:00.000Z/,
    );
    const moved = epochSchedule({ genesis_ms: GENESIS + 1, length_ms: HOUR, report_window_ms: 0 });
    expect(() => checkScheduleAgainst(moved, recorded)).toThrow(ScheduleChangedError);
  });

  it('is taken when it starts after the last recorded epoch, at its end, as the next epoch', () => {
    const recorded = spans(HOUR, 3);
    const next = { genesis_ms: GENESIS + 3 * HOUR, length_ms: 2 * HOUR, report_window_ms: 0, first_epoch: 3 };
    const schedule = epochSchedule(next);
    expect(() => checkScheduleAgainst(schedule, recorded)).not.toThrow();
    expect(schedule.epochAt(GENESIS + 3 * HOUR)).toBe(3);
    expect(schedule.epochAt(GENESIS + 5 * HOUR)).toBe(4);
    expect(schedule.epochAt(GENESIS + 2 * HOUR)).toBeNull();
    expect(schedule.epochBounds(4)).toMatchObject({
      start_ms: GENESIS + 5 * HOUR,
      end_ms: GENESIS + 7 * HOUR,
    });
    expect(() => schedule.epochBounds(2)).toThrow(RangeError);
    // The new schedule's own epochs are then held to it as well.
    expect(() =>
      checkScheduleAgainst(schedule, [...recorded, ...spans(2 * HOUR, 2, 3, GENESIS + 3 * HOUR)]),
    ).not.toThrow();
    // A gap, or a start that is not the last epoch's end, is refused.
    expect(() => checkScheduleAgainst(epochSchedule({ ...next, first_epoch: 4 }), recorded)).toThrow(
      /must follow a recorded epoch 3/,
    );
    expect(() =>
      checkScheduleAgainst(epochSchedule({ ...next, genesis_ms: next.genesis_ms + 1 }), recorded),
    ).toThrow(/must follow a recorded epoch 2 and start at its end/);
  });
});

describe('a coordinator started with a changed epoch schedule', () => {
  let dir: string;
  let running: RunningCoordinator | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (epochs: Record<string, unknown>) =>
    startCoordinator(
      loadConfig({
        env: {},
        flags: { port: 0, host: '127.0.0.1', database_url: join(dir, 'vigil.db') },
        profile: { auth: { signing_key_path: join(dir, 'coordinator.key') }, epochs },
      }),
      { log: silentLogger },
    );

  it('refuses to start, and starts once the change is asked for as a new schedule after the last epoch', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-schedule-'));
    const genesis = new Date(Date.now() - 90 * 60_000).toISOString();
    running = await start({ genesis, length_s: 3600 });
    const until = Date.now() + 5000;
    let range = await recordedRange(running.store.db);
    while (range === null && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      range = await recordedRange(running.store.db);
    }
    expect(range).not.toBeNull();
    const last = await getEpoch(running.store.db, range?.last as number);
    await running.close();
    running = undefined;

    await expect(start({ genesis, length_s: 1800 })).rejects.toThrow(/recorded epochs never move/);
    running = await start({
      genesis: new Date(last?.end_ms as number).toISOString(),
      length_s: 1800,
      first_epoch: (last?.epoch as number) + 1,
    });
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
