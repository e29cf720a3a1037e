import { describe, expect, it } from 'vitest';
import { exportPublicKey, publicKeyOf } from '../../../src/core/crypto/ed25519.ts';
import {
  encodeReport,
  reportDigest,
  signReport,
  verifySignedReport,
} from '../../../src/core/reports/sign.ts';
import type { Report, SignedReport } from '../../../src/core/reports/types.ts';
import { keyNamed } from '../crypto/keys.ts';
import { fixedReport } from './fixtures.ts';

const monitorKey = keyNamed('node-a');
const monitorPublic = exportPublicKey(publicKeyOf(monitorKey));

type Tree = Record<string, unknown>;

/** Every way to change one value in the report: each leaf nudged, each array shortened and lengthened. */
function* tamperings(
  value: unknown,
  path: string[] = [],
): Generator<{ path: string; change: (r: Tree) => void }> {
  const set = (r: Tree, v: unknown) => {
    let node = r;
    for (const key of path.slice(0, -1)) node = node[key] as Tree;
    node[path.at(-1) as string] = v;
  };
  const name = path.join('.') || '$';
  if (typeof value === 'number') yield { path: name, change: (r) => set(r, value + 1) };
  else if (typeof value === 'string') yield { path: name, change: (r) => set(r, `${value}x`) };
  else if (value === null) yield { path: name, change: (r) => set(r, 0) };
  else if (Array.isArray(value)) {
    yield { path: `${name} (shortened)`, change: (r) => set(r, value.slice(1)) };
    yield { path: `${name} (lengthened)`, change: (r) => set(r, [...value, value[0] ?? 0]) };
    for (let i = 0; i < value.length; i++) yield* tamperings(value[i], [...path, String(i)]);
  } else if (typeof value === 'object') {
    for (const [key, member] of Object.entries(value as object)) yield* tamperings(member, [...path, key]);
  }
}

describe('signed reports', () => {
  it('encodes a fixed report as this exact canonical JSON', () => {
    expect(Buffer.from(encodeReport(fixedReport())).toString('utf8')).toBe(
      '{"created_at_ms":1700003600000,"epoch":7,"monitor":"node-a","probe_interval_s":300,"targets":[' +
        '{"downtime_intervals":0,"latency_sketch":{"counts":[1,0,0,2],"key_offset":125,"relative_accuracy":0.01,"zero_count":0},' +
        '"mean_latency_ms":12.5,"samples":3,"target":"node-b","up_samples":3},' +
        '{"downtime_intervals":2,"latency_sketch":{"counts":[1],"key_offset":220,"relative_accuracy":0.01,"zero_count":0},' +
        '"mean_latency_ms":80,"samples":4,"target":"node-c","up_samples":2}],"version":1}',
    );
  });

  it('signs a fixed report with a fixed key to a fixed signature, and verifies it', () => {
    const signed = signReport(fixedReport(), monitorKey);
    expect(signed.signature).toBe(signReport(fixedReport(), monitorKey).signature);
    expect(signed.signature).toBe(
      'dTqoxjggeTAWRQ9AofqOdqbVba31zVZVfWO0w8IGKHWFpQb5dV6NOg37arNNoJsIGb-nI8tkdpzdALkomp0WAw',
    );
    expect(verifySignedReport(signed, monitorPublic)).toBe(true);
  });

  it('stops verifying when any field is tampered with', () => {
    const signed = signReport(fixedReport(), monitorKey);
    let count = 0;
    for (const { path, change } of tamperings(fixedReport())) {
      const tampered = structuredClone(signed) as SignedReport;
      change(tampered.report as unknown as Tree);
      expect(verifySignedReport(tampered, monitorPublic), path).toBe(false);
      count++;
    }
    expect(count).toBeGreaterThan(25);
  });

  it('does not verify under another key, with a changed signature, or with values JSON cannot hold', () => {
    const signed = signReport(fixedReport(), monitorKey);
    expect(verifySignedReport(signed, exportPublicKey(publicKeyOf(keyNamed('node-b'))))).toBe(false);
    const flipped = signed.signature.startsWith('A')
      ? `B${signed.signature.slice(1)}`
      : `A${signed.signature.slice(1)}`;
    expect(verifySignedReport({ ...signed, signature: flipped }, monitorPublic)).toBe(false);
    const broken = { ...signed, report: { ...signed.report, epoch: Number.NaN } as Report };
    expect(verifySignedReport(broken, monitorPublic)).toBe(false);
  });

  it('digests by content: member order and re-signing do not change it', () => {
    const signed = signReport(fixedReport(), monitorKey);
    const r = fixedReport();
    const reordered: Report = {
      targets: r.targets,
      probe_interval_s: r.probe_interval_s,
      monitor: r.monitor,
      epoch: r.epoch,
      created_at_ms: r.created_at_ms,
      version: 1,
    };
    expect(reportDigest({ signature: signed.signature, report: reordered })).toBe(reportDigest(signed));
    expect(reportDigest(signReport(fixedReport(), monitorKey))).toBe(reportDigest(signed));
    expect(reportDigest(signed)).toMatch(/^[0-9a-f]{64}$/);
    const later = signReport({ ...fixedReport(), created_at_ms: r.created_at_ms + 1 }, monitorKey);
    expect(reportDigest(later)).not.toBe(reportDigest(signed));
  });
});
