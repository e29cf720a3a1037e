import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAssignments, saveAssignment } from '../../src/agent/log/assignments.ts';
import { compactReportedEpoch } from '../../src/agent/log/compact.ts';
import { DataDirInUseError, openAgentLog } from '../../src/agent/log/database.ts';
import { queueInterimSummary } from '../../src/agent/log/interim.ts';
import { agentOutbox, outboxDepth, reportRow, storeReportOnce } from '../../src/agent/log/outbox.ts';
import { createSampleWriter } from '../../src/agent/log/sample-writer.ts';
import { countSamples, insertSamples, samplesOfEpoch } from '../../src/agent/log/samples.ts';

describe('agent log', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-log-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps samples across a reopen, and logging the same probe twice is a no-op', () => {
    const dir = tempDir();
    let db = openAgentLog(dir);
    const probes = [
      { epoch: 4, target: 'a', at_ms: 1000, up: true, latency_ms: 1.5 },
      { epoch: 4, target: 'a', at_ms: 2000, up: false, latency_ms: null },
      { epoch: 4, target: 'b', at_ms: 1500, up: true, latency_ms: 2.25 },
    ];
    expect(insertSamples(db, probes)).toBe(3);
    db.close();

    db = openAgentLog(dir);
    expect(insertSamples(db, probes)).toBe(0);
    expect(countSamples(db, 4)).toBe(3);
    expect(samplesOfEpoch(db, 4)).toEqual(
      new Map([
        [
          'a',
          [
            { at_ms: 1000, up: true, latency_ms: 1.5 },
            { at_ms: 2000, up: false, latency_ms: null },
          ],
        ],
        ['b', [{ at_ms: 1500, up: true, latency_ms: 2.25 }]],
      ]),
    );
    db.close();
  });

  it('refuses a second agent on the same data dir', () => {
    const dir = tempDir();
    const db = openAgentLog(dir);
    expect(() => openAgentLog(dir)).toThrow(DataDirInUseError);
    db.close();
    openAgentLog(dir).close();
  });

  it('writes buffered samples in batches and on flush', () => {
    const db = openAgentLog(tempDir());
    const writer = createSampleWriter(db, { flushMs: 60_000, onError: (e) => expect.fail(e.message) });
    writer.add({ epoch: 1, target: 'a', at_ms: 1, up: true, latency_ms: 1 });
    expect(countSamples(db, 1)).toBe(0);
    writer.flush();
    expect(countSamples(db, 1)).toBe(1);
    writer.add({ epoch: 1, target: 'a', at_ms: 2, up: true, latency_ms: 1 });
    writer.close();
    writer.add({ epoch: 1, target: 'a', at_ms: 3, up: true, latency_ms: 1 });
    expect(countSamples(db, 1)).toBe(2);
    db.close();
  });

  it('summarizes each probe in one interim summary, in the order probes were logged', () => {
    const db = openAgentLog(tempDir());
    const meta = { epoch: 2, monitor: 'me', probe_interval_s: 60 };
    expect(queueInterimSummary(db, meta, 10)).toBeNull();
    insertSamples(db, [
      { epoch: 2, target: 'b', at_ms: 200, up: true, latency_ms: 1 },
      { epoch: 2, target: 'a', at_ms: 300, up: false, latency_ms: null },
      { epoch: 3, target: 'a', at_ms: 300, up: true, latency_ms: null },
    ]);
    expect(queueInterimSummary(db, meta, 20)).toMatchObject({ probes: 2 });
    // A slow probe that started earlier is logged after the summary: it is still sent, once.
    insertSamples(db, [{ epoch: 2, target: 'a', at_ms: 100, up: true, latency_ms: 3 }]);
    expect(queueInterimSummary(db, meta, 30)).toMatchObject({ probes: 1 });
    expect(queueInterimSummary(db, meta, 40)).toBeNull();
    const bodies = agentOutbox(db)
      .due(100, { limit: 100 })
      .map((row) => JSON.parse(row.body));
    expect(bodies).toEqual([
      {
        monitor: 'me',
        probe_interval_s: 60,
        targets: [
          { target: 'a', probes: [[300, 0]] },
          { target: 'b', probes: [[200, 1]] },
        ],
      },
      { monitor: 'me', probe_interval_s: 60, targets: [{ target: 'a', probes: [[100, 1]] }] },
    ]);
    db.close();
  });

  it('stores one report per epoch, ever: a second build never runs', () => {
    const dir = tempDir();
    let db = openAgentLog(dir);
    const first = storeReportOnce(db, 7, () => '{"first":true}', 1000);
    expect(first.created).toBe(true);
    db.close();
    db = openAgentLog(dir);
    const again = storeReportOnce(db, 7, () => expect.fail('built a second report'), 2000);
    expect(again).toEqual({ row: first.row, created: false });
    expect(reportRow(db, 7)?.created_at).toBe(1000);
    expect(outboxDepth(db)).toBe(1);
    db.close();
  });

  it('compaction drops the epoch’s probes and assignment but keeps its report', () => {
    const db = openAgentLog(tempDir());
    insertSamples(db, [
      { epoch: 5, target: 'a', at_ms: 1, up: true, latency_ms: 1 },
      { epoch: 6, target: 'a', at_ms: 2, up: true, latency_ms: 1 },
    ]);
    saveAssignment(
      db,
      {
        epoch: 5,
        start_ms: 0,
        end_ms: 10,
        report_window_end_ms: 20,
        probe_interval_s: 1,
        probe_timeout_ms: 100,
        targets: [{ node_id: 'a', endpoint: null, agent_url: null }],
      },
      0,
    );
    storeReportOnce(db, 5, () => '{}', 0);
    expect(compactReportedEpoch(db, 5)).toEqual({ samples: 1, reports: 0 });
    expect(countSamples(db, 5)).toBe(0);
    expect(countSamples(db, 6)).toBe(1);
    expect(loadAssignments(db)).toEqual([]);
    expect(reportRow(db, 5)).not.toBeNull();
    db.close();
  });

  it('keeps the settled reports of the newest epochs only, so a log left running stops growing', () => {
    const db = openAgentLog(tempDir());
    const outbox = agentOutbox(db);
    for (let epoch = 1; epoch <= 10; epoch++) {
      const { row } = storeReportOnce(db, epoch, () => `{"epoch":${epoch}}`, epoch);
      // Epoch 10's report is still on its way: a pending report is never dropped.
      if (epoch < 10) outbox.markDelivered([row.id], epoch);
    }
    expect(compactReportedEpoch(db, 9, 3)).toEqual({ samples: 0, reports: 6 });
    const kept = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((epoch) => reportRow(db, epoch) !== null);
    expect(kept).toEqual([7, 8, 9, 10]);
    db.close();
  });
});
