import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  exportPublicKey,
  publicKeyOf,
  REQUEST_SIGNATURE_HEADERS,
  sha256Hex,
  signRequest,
} from '../../src/core/crypto/index.ts';
import { benchNodeId } from './load-generator.ts';

/**
 * Sends node-signed interim summaries (`POST /epochs/{n}/interim`) as a fleet's agents do.
 * Usually started as its own process (`node bench/lib/interim-generator.ts '<json InterimSpec>'`,
 * result as JSON on stdout), beside the heartbeat/outcome load generator.
 *
 * `ratePerS` > 0: open loop, one summary every 1/rate s whatever the answers (a fleet does not
 * wait for the coordinator), each from the next monitor round-robin. `ratePerS` = 0: closed
 * loop with `connections` senders, as fast as the coordinator answers (its capacity).
 */
export interface InterimSpec {
  url: string;
  epoch: number;
  /** A JSON file: `[monitor index, target ids][]`, the epoch's assignment. */
  assignmentsPath: string;
  durationS: number;
  ratePerS: number;
  connections: number;
  probeIntervalS: number;
  /** Probes per target per summary: interim period / probe interval. */
  probesPerTarget: number;
  /** Which monitor starts, so consecutive runs do not resend the same summaries. */
  startAt: number;
}

export interface InterimResult {
  /** The sending window (open loop: answers still awaited after it are counted too), or the run's length (closed loop). */
  durationS: number;
  sent: number;
  accepted: number;
  /** Non-2xx answers by status, and failed requests. */
  refused: Record<string, number>;
  errors: number;
  /** Probe verdicts the coordinator said it recorded. */
  probes: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** The first refusal's body, to tell what went wrong. */
  firstRefusal?: string;
}

/** PKCS#8 DER header of an ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The deterministic key of bench node i: the parent registers its public key, the generator signs with it. */
export function benchNodeKey(i: number): KeyObject {
  const raw = createHash('sha256').update(`vigil-bench-ingest:${i}`).digest();
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

export const benchNodePublicKey = (i: number): string => exportPublicKey(publicKeyOf(benchNodeKey(i)));

export async function runInterims(spec: InterimSpec): Promise<InterimResult> {
  const assignments = JSON.parse(readFileSync(spec.assignmentsPath, 'utf8')) as Array<[number, string[]]>;
  const keys = new Map<number, KeyObject>();
  const path = `/epochs/${spec.epoch}/interim`;
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  let sent = 0;
  let accepted = 0;
  let errors = 0;
  let probes = 0;
  let firstRefusal: string | undefined;
  let next = spec.startAt;
  let lastTs = 0;

  const sendOne = async (): Promise<void> => {
    const [index, targets] = assignments[next++ % assignments.length] as [number, string[]];
    const now = Date.now();
    const body = JSON.stringify({
      monitor: benchNodeId(index),
      probe_interval_s: spec.probeIntervalS,
      targets: targets.map((target, t) => ({
        target,
        probes: Array.from({ length: spec.probesPerTarget }, (_, p) => [
          now - 1000 - (spec.probesPerTarget - 1 - p) * spec.probeIntervalS * 1000 - ((index + t) % 1000),
          (index + t + p) % 97 === 0 ? 0 : 1,
        ]),
      })),
    });
    let key = keys.get(index);
    if (key === undefined) {
      key = benchNodeKey(index);
      keys.set(index, key);
    }
    // A fresh timestamp per request: two identical signatures would be a replay.
    lastTs = Math.max(now, lastTs + 1);
    const bodySha256 = sha256Hex(body);
    const request = { method: 'POST', path, bodySha256, timestampMs: lastTs, keyId: benchNodeId(index) };
    sent++;
    const started = performance.now();
    try {
      const res = await fetch(`${spec.url}${path}`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          [REQUEST_SIGNATURE_HEADERS.keyId]: request.keyId,
          [REQUEST_SIGNATURE_HEADERS.timestampMs]: String(request.timestampMs),
          [REQUEST_SIGNATURE_HEADERS.bodySha256]: bodySha256,
          [REQUEST_SIGNATURE_HEADERS.signature]: signRequest(request, key),
        },
      });
      const text = await res.text();
      latencies.push(performance.now() - started);
      if (res.status >= 200 && res.status < 300) {
        accepted++;
        probes += (JSON.parse(text) as { probes: number }).probes;
      } else {
        refused[res.status] = (refused[res.status] ?? 0) + 1;
        firstRefusal ??= text.slice(0, 400);
      }
    } catch (err) {
      errors++;
      firstRefusal ??= String(err);
    }
  };

  const t0 = performance.now();
  const endAt = t0 + spec.durationS * 1000;
  const inFlight = new Set<Promise<void>>();
  if (spec.ratePerS > 0) {
    const gapMs = 1000 / spec.ratePerS;
    for (let i = 0; ; i++) {
      const due = t0 + i * gapMs;
      if (due >= endAt) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const p = sendOne().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  } else {
    await Promise.all(
      Array.from({ length: spec.connections }, async () => {
        while (performance.now() < endAt) await sendOne();
      }),
    );
  }
  await Promise.all(inFlight);
  const durationS = spec.ratePerS > 0 ? spec.durationS : (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
  return {
    durationS,
    sent,
    accepted,
    refused,
    errors,
    probes,
    latencyMs: { p50: q(0.5), p99: q(0.99), max: Math.round(latencies.at(-1) ?? 0) },
    ...(firstRefusal === undefined ? {} : { firstRefusal }),
  };
}

if (process.argv[1] === import.meta.filename) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as InterimSpec;
  process.stdout.write(`${JSON.stringify(await runInterims(spec))}\n`);
}
