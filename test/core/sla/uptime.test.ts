import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { medianOf } from '../../../src/core/settlement/median.ts';
import type { MonitorVotes } from '../../../src/core/sla/peer-median.ts';
import { mostlyUpMask, peerShares } from '../../../src/core/sla/peer-shares.ts';
import { type Probe, votesFromProbes } from '../../../src/core/sla/peer-verdicts.ts';
import { bitMask, sliceAddress } from '../../../src/core/sla/slices.ts';
import { computeUptime, type UptimeInput } from '../../../src/core/sla/uptime.ts';

/** Heartbeat bitmaps as the store keeps them: one row per row start, bits OR-ed in. */
function rowsFrom(heartbeats: readonly number[], sliceMs: number): UptimeInput['rows'] {
  const masks = new Map<number, number>();
  for (const at of heartbeats) {
    const { rowStart, bit } = sliceAddress(at, sliceMs);
    masks.set(rowStart, ((masks.get(rowStart) ?? 0) | bitMask(bit)) >>> 0);
  }
  return [...masks].map(([row_start, mask]) => ({ row_start, mask }));
}

/** The definition, slice by slice: whole slices inside the window, from the first heartbeat's slice on. */
function naiveUptime(input: Omit<UptimeInput, 'rows'>, heartbeats: readonly number[]) {
  const { firstHeartbeatAt, sliceMs, windowStart, windowEnd } = input;
  if (firstHeartbeatAt === null) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  const alive = new Set(heartbeats.map((at) => Math.floor(at / sliceMs)));
  const firstSlice = Math.floor(firstHeartbeatAt / sliceMs);
  let slicesUp = 0;
  let slicesTotal = 0;
  for (let s = Math.floor(windowStart / sliceMs) - 1; (s + 1) * sliceMs <= windowEnd; s++) {
    if (s * sliceMs < windowStart || s < firstSlice) continue;
    slicesTotal++;
    if (alive.has(s)) slicesUp++;
  }
  if (slicesTotal === 0) return { uptimePct: null, slicesUp: 0, slicesTotal: 0 };
  return { uptimePct: (100 * slicesUp) / slicesTotal, slicesUp, slicesTotal };
}

/**
 * A node's history in one frame: a slice length, an origin far from zero, heartbeats within
 * a few hundred slices of it, a first heartbeat at or before the earliest retained one, and
 * a window whose edges fall anywhere (not only on slice boundaries).
 */
const scenario = fc
  .record({
    sliceMs: fc.integer({ min: 1, max: 600_000 }),
    originSlice: fc.integer({ min: 0, max: 5_000_000 }),
    heartbeatOffsets: fc.array(fc.double({ min: 0, max: 300, noNaN: true }), { maxLength: 120 }),
    firstLead: fc.option(fc.double({ min: 0, max: 40, noNaN: true }), { nil: null }),
    windowStartOffset: fc.double({ min: -20, max: 320, noNaN: true }),
    windowLength: fc.double({ min: 0, max: 340, noNaN: true }),
  })
  .map(({ sliceMs, originSlice, heartbeatOffsets, firstLead, windowStartOffset, windowLength }) => {
    const origin = originSlice * sliceMs;
    const at = (slices: number) => origin + Math.floor(slices * sliceMs);
    const heartbeats = heartbeatOffsets.map(at);
    const earliest = heartbeats.length === 0 ? origin : Math.min(...heartbeats);
    const firstHeartbeatAt =
      firstLead === null ? null : Math.max(0, earliest - Math.floor(firstLead * sliceMs));
    const windowStart = at(windowStartOffset);
    const windowEnd = windowStart + Math.floor(windowLength * sliceMs);
    return { sliceMs, heartbeats, firstHeartbeatAt, windowStart, windowEnd };
  });

function uptimeOf(s: { heartbeats: readonly number[] } & Omit<UptimeInput, 'rows'>) {
  return computeUptime({
    rows: rowsFrom(s.heartbeats, s.sliceMs),
    firstHeartbeatAt: s.firstHeartbeatAt,
    sliceMs: s.sliceMs,
    windowStart: s.windowStart,
    windowEnd: s.windowEnd,
  });
}

describe('computeUptime', () => {
  it('equals counting distinct heartbeat slices among the window’s whole slices', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const result = uptimeOf(s);
        const expected = naiveUptime(s, s.heartbeats);
        expect(result.slicesUp).toBe(expected.slicesUp);
        expect(result.slicesTotal).toBe(expected.slicesTotal);
        if (expected.uptimePct === null) expect(result.uptimePct).toBeNull();
        else expect(result.uptimePct).toBeCloseTo(expected.uptimePct, 9);
      }),
      { numRuns: 300 },
    );
  });

  it('stays within 0–100, and is null exactly when there is no first heartbeat or no whole slice', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { uptimePct, slicesUp, slicesTotal } = uptimeOf(s);
        if (s.firstHeartbeatAt === null) {
          expect(uptimePct).toBeNull();
          return;
        }
        if (slicesTotal === 0) {
          expect(uptimePct).toBeNull();
          return;
        }
        expect(uptimePct).not.toBeNull();
        expect(uptimePct).toBeGreaterThanOrEqual(0);
        expect(uptimePct).toBeLessThanOrEqual(100);
        expect(slicesUp).toBeLessThanOrEqual(slicesTotal);
        expect(slicesTotal * s.sliceMs).toBeLessThanOrEqual(s.windowEnd - s.windowStart);
      }),
    );
  });

  it('never goes down when heartbeats are added after the first one', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.double({ min: 0, max: 320, noNaN: true }), { maxLength: 40 }),
        (s, extra) => {
          fc.pre(s.firstHeartbeatAt !== null);
          const first = s.firstHeartbeatAt as number;
          const added = extra.map((slices) => first + Math.floor(slices * s.sliceMs));
          const before = uptimeOf(s);
          const after = uptimeOf({ ...s, heartbeats: [...s.heartbeats, ...added] });
          expect(after.slicesTotal).toBe(before.slicesTotal);
          expect(after.slicesUp).toBeGreaterThanOrEqual(before.slicesUp);
        },
      ),
    );
  });

  it('never judges the slice still in progress at the window’s end', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (s, f) => {
        const currentStart = Math.floor(s.windowEnd / s.sliceMs) * s.sliceMs;
        const inProgress = currentStart + Math.floor(f * (s.windowEnd - currentStart));
        fc.pre(inProgress < s.windowEnd);
        const without = uptimeOf(s);
        const withIt = uptimeOf({ ...s, heartbeats: [...s.heartbeats, inProgress] });
        expect(withIt).toEqual(without);
      }),
    );
  });

  it('judges a node that joined inside the window from its first heartbeat’s slice on', () => {
    const sliceMs = 300_000;
    const windowStart = 1_700_000_000_000 - (1_700_000_000_000 % sliceMs);
    const windowEnd = windowStart + 24 * 3_600_000;
    const firstHeartbeatAt = windowEnd - 3_600_000 + 1;
    const heartbeats = Array.from({ length: 12 }, (_, i) => firstHeartbeatAt + i * sliceMs);
    const result = uptimeOf({ sliceMs, heartbeats, firstHeartbeatAt, windowStart, windowEnd });
    expect(result).toEqual({ uptimePct: 100, slicesUp: 12, slicesTotal: 12 });
  });

  it('has no data for a node that never sent a heartbeat', () => {
    expect(
      computeUptime({
        rows: [],
        firstHeartbeatAt: null,
        sliceMs: 300_000,
        windowStart: 0,
        windowEnd: 3_600_000,
      }),
    ).toEqual({ uptimePct: null, slicesUp: 0, slicesTotal: 0 });
  });
});

/** The peers' verdict rows (each monitor's bits and the mostly-up mask) from each monitor's probes, as the store derives them. */
function verdictRows(monitors: ReadonlyArray<readonly Probe[]>, probeIntervalMs: number, sliceMs: number) {
  const byRow = new Map<number, MonitorVotes[]>();
  monitors.forEach((probes, i) => {
    for (const [rowStart, v] of votesFromProbes(probes, probeIntervalMs, sliceMs)) {
      byRow.set(rowStart, [...(byRow.get(rowStart) ?? []), { monitor: `m${i}`, ...v }]);
    }
  });
  return [...byRow].map(([row_start, votes]) => ({
    row_start,
    mask: mostlyUpMask(peerShares(votes)),
    votes,
  }));
}

describe('computeUptime with peer verdicts', () => {
  const sliceMs = 60_000;
  const probeIntervalMs = 5 * sliceMs;
  const windowStart = Date.UTC(2026, 10, 1);
  const windowEnd = windowStart + 60 * sliceMs;
  /** One probe per monitor every 5 minutes over the hour, each seeing `verdict(i)`. */
  const watch = (verdict: (i: number) => 0 | 1): Probe[] =>
    Array.from({ length: 12 }, (_, i): Probe => [windowStart + i * probeIntervalMs + 1_000, verdict(i)]);
  const base = { sliceMs, windowStart, windowEnd };

  it('counts a slice without a heartbeat as up when the peers’ majority saw the node up', () => {
    // Heartbeats only in the first 30 minutes; three monitors saw the node up all hour.
    const heartbeats = Array.from({ length: 30 }, (_, m) => windowStart + m * sliceMs + 5_000);
    const peerRows = verdictRows([watch(() => 1), watch(() => 1), watch(() => 1)], probeIntervalMs, sliceMs);
    const alone = computeUptime({
      ...base,
      rows: rowsFrom(heartbeats, sliceMs),
      firstHeartbeatAt: heartbeats[0]!,
    });
    expect(alone.uptimePct).toBe(50);
    const withPeers = computeUptime({
      ...base,
      rows: rowsFrom(heartbeats, sliceMs),
      peerRows,
      firstHeartbeatAt: heartbeats[0]!,
      firstPeerProbeAt: windowStart + 1_000,
    });
    expect(withPeers).toEqual({ uptimePct: 100, slicesUp: 60, slicesTotal: 60 });
  });

  it('judges a node without heartbeats by the median monitor’s share of up votes, not as no data', () => {
    // The monitors saw the node up in a third, two thirds and all of their probes.
    const peerRows = verdictRows(
      [watch((i) => (i % 3 === 0 ? 1 : 0)), watch((i) => (i % 3 === 0 ? 0 : 1)), watch(() => 1)],
      probeIntervalMs,
      sliceMs,
    );
    const twoThirds = computeUptime({
      ...base,
      rows: [],
      peerRows,
      firstHeartbeatAt: null,
      firstPeerProbeAt: windowStart + 1_000,
    });
    expect(twoThirds.slicesTotal).toBe(60);
    expect(twoThirds.slicesUp).toBeCloseTo(40, 9);
    expect(twoThirds.uptimePct).toBeCloseTo(200 / 3, 9);
    const allDown = verdictRows([watch(() => 0), watch(() => 0)], probeIntervalMs, sliceMs);
    expect(
      computeUptime({
        ...base,
        rows: [],
        peerRows: allDown,
        firstHeartbeatAt: null,
        firstPeerProbeAt: windowStart,
      }),
    ).toEqual({ uptimePct: 0, slicesUp: 0, slicesTotal: 60 });
    // Up for the first half, then down for the rest.
    const half = verdictRows(
      [watch((i) => (i < 6 ? 1 : 0)), watch((i) => (i < 6 ? 1 : 0))],
      probeIntervalMs,
      sliceMs,
    );
    expect(
      computeUptime({
        ...base,
        rows: [],
        peerRows: half,
        firstHeartbeatAt: null,
        firstPeerProbeAt: windowStart + 1_000,
      }).uptimePct,
    ).toBe(50);
  });

  it('has no data for a slice no monitor voted on yet, for a node only peers speak for', () => {
    // Monitors saw the node up for the first 40 minutes; their summaries of the last 20 are
    // not in yet. Without heartbeats, those slices are no data, not downtime.
    const early = (probes: Probe[]) => probes.filter(([at]) => at < windowStart + 40 * sliceMs);
    const peerRows = verdictRows([early(watch(() => 1)), early(watch(() => 1))], probeIntervalMs, sliceMs);
    const peersOnly = computeUptime({
      ...base,
      rows: [],
      peerRows,
      firstHeartbeatAt: null,
      firstPeerProbeAt: windowStart + 1_000,
    });
    expect(peersOnly).toEqual({ uptimePct: 100, slicesUp: 40, slicesTotal: 40 });
    // A node that sends heartbeats is judged on every slice: its own silence is evidence.
    const heartbeats = [windowStart + 5_000];
    const withHeartbeats = computeUptime({
      ...base,
      rows: rowsFrom(heartbeats, sliceMs),
      peerRows,
      firstHeartbeatAt: heartbeats[0]!,
      firstPeerProbeAt: windowStart + 1_000,
    });
    expect(withHeartbeats.slicesTotal).toBe(60);
    expect(withHeartbeats.uptimePct).toBeCloseTo((100 * 40) / 60, 9);
  });

  it('gives a tie between monitors to the node, as settlement does, and counts a monitor’s own mixed slice as half', () => {
    const judge = (peerRows: ReturnType<typeof verdictRows>) =>
      computeUptime({ ...base, rows: [], peerRows, firstHeartbeatAt: null, firstPeerProbeAt: windowStart });
    // The lower median of the down shares (0 and 1) is 0, as settlement's lower median is.
    expect(judge(verdictRows([watch(() => 1), watch(() => 0)], probeIntervalMs, sliceMs)).uptimePct).toBe(
      100,
    );
    // One monitor probing twice a slice, up then down: every slice holds both verdicts.
    const mixed: Probe[] = Array.from({ length: 120 }, (_, i) => [
      windowStart + i * 30_000,
      i % 2 === 0 ? 1 : 0,
    ]);
    expect(judge(verdictRows([mixed], sliceMs, sliceMs)).uptimePct).toBe(50);
  });

  it('lets a lying minority move nothing, either way', () => {
    const honestDown = [watch(() => 0), watch(() => 0), watch(() => 0)];
    const honestUp = [watch(() => 1), watch(() => 1), watch(() => 1)];
    const liarsUp = [watch(() => 1), watch(() => 1)];
    const liarsDown = [watch(() => 0), watch(() => 0)];
    const judge = (monitors: Probe[][]) =>
      computeUptime({
        ...base,
        rows: [],
        peerRows: verdictRows(monitors, probeIntervalMs, sliceMs),
        firstHeartbeatAt: null,
        firstPeerProbeAt: windowStart + 1_000,
      }).uptimePct;
    // Two liars of five: the median monitor is honest.
    expect(judge([...honestDown, ...liarsUp])).toBe(0);
    expect(judge([...honestUp, ...liarsDown])).toBe(100);
    // A third liar is a majority, and the median is theirs.
    expect(judge([...honestDown.slice(0, 2), watch(() => 1), ...liarsUp])).toBe(100);
  });

  it('is not moved by one monitor on a lossy link, as settlement’s median is not (issue 11)', () => {
    // Four monitors saw the node up all hour; a fifth, losing a third of its probes on its
    // own link, saw it down in a third of them. Under decision 0046 (share of votes) that
    // cost the node 6.7 points.
    const lossy = watch((i) => (i % 3 === 0 ? 0 : 1));
    const clean = Array.from({ length: 4 }, () => watch(() => 1));
    const judged = computeUptime({
      ...base,
      rows: [],
      peerRows: verdictRows([...clean, lossy], probeIntervalMs, sliceMs),
      firstHeartbeatAt: null,
      firstPeerProbeAt: windowStart + 1_000,
    });
    expect(judged.uptimePct).toBe(100);
    // A node that was really down a third of the time, as every monitor saw it, reads two thirds.
    const down = computeUptime({
      ...base,
      rows: [],
      peerRows: verdictRows(
        Array.from({ length: 5 }, () => lossy),
        probeIntervalMs,
        sliceMs,
      ),
      firstHeartbeatAt: null,
      firstPeerProbeAt: windowStart + 1_000,
    });
    expect(down.uptimePct).toBeCloseTo(200 / 3, 9);
  });

  it('starts judging at the earliest evidence, the first peer probe or the first heartbeat', () => {
    const peerRows = verdictRows([watch((i) => (i < 6 ? 0 : 1))], probeIntervalMs, sliceMs);
    const lateHeartbeat = windowStart + 45 * sliceMs;
    const result = computeUptime({
      ...base,
      rows: rowsFrom([lateHeartbeat], sliceMs),
      peerRows,
      firstHeartbeatAt: lateHeartbeat,
      firstPeerProbeAt: windowStart + 1_000,
    });
    expect(result).toEqual({ uptimePct: 50, slicesUp: 30, slicesTotal: 60 });
    expect(
      computeUptime({ ...base, rows: [], peerRows: [], firstHeartbeatAt: null, firstPeerProbeAt: null })
        .uptimePct,
    ).toBeNull();
  });

  it('counts a peer row derived before migration 0008 (a mask, no monitors’ votes) by its mask', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.array(fc.double({ min: 0, max: 300, noNaN: true }), { maxLength: 60 }),
        (s, upOffsets) => {
          fc.pre(s.firstHeartbeatAt !== null);
          const peerUp = upOffsets.map((x) => (s.firstHeartbeatAt as number) + Math.floor(x * s.sliceMs));
          const result = computeUptime({
            rows: rowsFrom(s.heartbeats, s.sliceMs),
            peerRows: rowsFrom(peerUp, s.sliceMs),
            firstHeartbeatAt: s.firstHeartbeatAt,
            firstPeerProbeAt: s.firstHeartbeatAt,
            sliceMs: s.sliceMs,
            windowStart: s.windowStart,
            windowEnd: s.windowEnd,
          });
          const expected = naiveUptime(s, [...s.heartbeats, ...peerUp]);
          expect(result.slicesUp).toBe(expected.slicesUp);
          expect(result.slicesTotal).toBe(expected.slicesTotal);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('follows the median monitor’s share of up probes when every monitor loses probes at random', () => {
    // Issue 11: on a lossy link every monitor has slices where its probes disagree. Under
    // decision 0015 those monitors abstained and a node with 60 % of its probes up read 4.8 %.
    // Since 0053 the SLA reads the median monitor, as settlement does: the comparison is with
    // settlement's figure (the lower median of each monitor's share of down probes), not
    // with the pooled share, from which a median of a few monitors strays by sampling alone.
    const lossy = fc.record({
      upChance: fc.double({ min: 0.3, max: 0.95, noNaN: true }),
      monitors: fc.array(
        fc.record({
          offsetMs: fc.integer({ min: 0, max: 2 * sliceMs - 1 }),
          draws: fc.array(
            fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 20_000 })),
            {
              minLength: 30,
              maxLength: 30,
            },
          ),
        }),
        { minLength: 4, maxLength: 12 },
      ),
    });
    fc.assert(
      fc.property(lossy, ({ upChance, monitors }) => {
        // A probe every two slices, jittered by up to 20 s, so some slices hold two verdicts.
        const probes = monitors.map(({ offsetMs, draws }) =>
          draws.map(
            ([draw, jitter], i): Probe => [
              windowStart + offsetMs + i * 2 * sliceMs + jitter,
              draw < upChance ? 1 : 0,
            ],
          ),
        );
        const downShares = probes.map((list) => list.filter(([, v]) => v === 0).length / list.length);
        const settledUpPct = 100 * (1 - medianOf(downShares));
        const { uptimePct } = computeUptime({
          ...base,
          windowEnd: windowStart + 60 * sliceMs,
          rows: [],
          peerRows: verdictRows(probes, 2 * sliceMs, sliceMs),
          firstHeartbeatAt: null,
          firstPeerProbeAt: windowStart,
        });
        expect(Math.abs((uptimePct as number) - settledUpPct)).toBeLessThanOrEqual(6);
      }),
      { numRuns: 100 },
    );
  });
});
