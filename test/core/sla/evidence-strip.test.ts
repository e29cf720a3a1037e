import { describe, expect, it } from 'vitest';
import { evidenceStrip } from '../../../src/core/sla/evidence-strip.ts';

const SLICE = 60_000;
const ROW = 32 * SLICE;

describe('evidenceStrip', () => {
  it('writes each slice’s heartbeat and its monitors’ verdict', () => {
    const strip = evidenceStrip({
      heartbeatRows: [
        { row_start: 0, mask: 0b0011 },
        { row_start: 0, mask: 0b0100 }, // rows of one start are OR-ed, as uptime does
      ],
      peerRows: [
        {
          row_start: 0,
          mask: 0,
          votes: [
            { monitor: 'a', up: 0b1_0001, down: 0b0_1000 },
            { monitor: 'b', up: 0b0_0001, down: 0b1_1000 },
          ],
        },
      ],
      sliceMs: SLICE,
      from: 0,
      to: 6 * SLICE,
    });
    expect(strip).toEqual({ from: 0, sliceMs: SLICE, heartbeats: '111000', peers: 'u..dm.' });
  });

  it('starts at the slice holding `from`, includes the slice in progress, and crosses rows', () => {
    const strip = evidenceStrip({
      heartbeatRows: [
        { row_start: 0, mask: (1 << 31) >>> 0 },
        { row_start: ROW, mask: 1 },
      ],
      peerRows: [{ row_start: ROW, mask: 0b10, votes: null }],
      sliceMs: SLICE,
      from: 31 * SLICE + 5,
      to: 34 * SLICE - 1,
    });
    expect(strip.from).toBe(31 * SLICE);
    expect(strip.heartbeats).toBe('110');
    // A row from before monitor votes were kept says only where most said up.
    expect(strip.peers).toBe('..u');
  });

  it('is empty for an empty span', () => {
    expect(
      evidenceStrip({ heartbeatRows: [], peerRows: [], sliceMs: SLICE, from: 5, to: 5 }).heartbeats,
    ).toBe('');
  });
});
