import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/core/crypto/canonical-json.ts';
import { sha256Hex } from '../../../src/core/crypto/hash.ts';
import { reportDigest } from '../../../src/core/reports/sign.ts';
import { examineReport, examineReportText, monitorKeyLookup } from '../../../src/core/settlement/examine.ts';
import { keyOf, keysFor, signedBy, summary } from './network.ts';

const signed = signedBy('node-a', 3, [summary('node-b', 100, 4, 12.5), summary('node-c', 0, 0, null)]);
const keys = monitorKeyLookup(keysFor(['node-a', 'node-b']));

describe('examineReport', () => {
  it('reads what settlement needs from a well-formed report, with its digest and signature check', () => {
    expect(examineReport(signed, keys)).toEqual({
      kind: 'well_formed',
      monitor: 'node-a',
      digest: reportDigest(signed),
      epoch: 3,
      signature: 'valid',
      targets: [
        { target: 'node-b', samples: 100, downtime_intervals: 4, latency_ms: 12.5 },
        { target: 'node-c', samples: 0, downtime_intervals: 0, latency_ms: null },
      ],
    });
  });

  it('reads a version 2 entry’s 10th percentile as its latency, and a version 1 entry’s mean', () => {
    const v2 = signedBy('node-a', 3, [
      summary('node-b', 100, 4, 40.25, 1.125),
      summary('node-c', 5, 5, null, null),
    ]);
    expect(v2.report.version).toBe(2);
    expect(examineReport(v2, keys)).toMatchObject({
      kind: 'well_formed',
      signature: 'valid',
      targets: [
        { target: 'node-b', latency_ms: 1.125 },
        { target: 'node-c', latency_ms: null },
      ],
    });
  });

  it('tells a wrong signature from a monitor without a usable key', () => {
    const forged = { report: signed.report, signature: signedBy('node-b', 3, []).signature };
    expect(examineReport(forged, keys)).toMatchObject({ kind: 'well_formed', signature: 'invalid' });
    expect(examineReport(signed, monitorKeyLookup(new Map()))).toMatchObject({ signature: 'no_key' });
    const privateKeyRegistered = monitorKeyLookup(new Map([['node-a', keyOf('node-a')]]));
    expect(examineReport(signed, privateKeyRegistered)).toMatchObject({ signature: 'no_key' });
    expect(examineReport(signed, monitorKeyLookup(new Map([['node-a', 'not a key']])))).toMatchObject({
      signature: 'no_key',
    });
  });

  it('names the monitor and digest of a malformed report when it has them', () => {
    const noSignature = { report: signed.report };
    expect(examineReport(noSignature, keys)).toEqual({
      kind: 'malformed',
      monitor: 'node-a',
      digest: sha256Hex(canonicalJson(noSignature)),
    });
    expect(examineReport({ report: { monitor: 'bad id!' } }, keys)).toMatchObject({ monitor: null });
    expect(examineReport(Number.NaN, keys)).toEqual({ kind: 'malformed', monitor: null, digest: null });
  });
});

describe('examineReportText', () => {
  it('is examineReport of the parsed text, and malformed without monitor or digest when it is not JSON', () => {
    const text = JSON.stringify(signed);
    expect(examineReportText(text, keys)).toEqual(examineReport(signed, keys));
    expect(examineReportText('{"report":', keys)).toEqual({ kind: 'malformed', monitor: null, digest: null });
    expect(examineReportText('[]', keys)).toEqual({
      kind: 'malformed',
      monitor: null,
      digest: sha256Hex('[]'),
    });
  });
});
