import type { KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import type { VigilConfig } from '../../../src/config/schema.ts';
import {
  EMPTY_SHA256,
  exportPublicKey,
  generateKeyPair,
  REQUEST_SIGNATURE_HEADERS,
  type RequestToSign,
  sha256Hex,
  signRequest,
} from '../../../src/core/crypto/index.ts';
import { REPORT_VERSION, signReport, summarizeTarget } from '../../../src/core/reports/index.ts';
import type { SignedReport } from '../../../src/core/reports/types.ts';
import type { TestApi } from '../../helpers/api.ts';
import type { TestBackend } from '../../helpers/backends.ts';
import { type Response, useApi } from '../api/support.ts';

export const GENESIS_MS = Date.UTC(2026, 10, 1);
export const EPOCH_MS = 3_600_000;
export const WINDOW_MS = 600_000;
export const MINUTE_MS = 60_000;

/** Start of epoch n, and the instants that matter around it. */
export const startOf = (n: number) => GENESIS_MS + n * EPOCH_MS;
export const endOf = (n: number) => startOf(n + 1);
export const windowEndOf = (n: number) => endOf(n) + WINDOW_MS;

/** One-hour epochs from 2026-11-01 (the test clock's start) with a ten-minute report window. */
export function epochConfig(c: VigilConfig): void {
  c.epochs.genesis = new Date(GENESIS_MS).toISOString();
  c.epochs.length_s = EPOCH_MS / 1000;
  c.epochs.report_window_s = WINDOW_MS / 1000;
}

/** A fresh API per test with the epoch layout above. */
export function useEpochApi(backend: TestBackend, adjust: (c: VigilConfig) => void = () => {}) {
  return useApi(backend, (c) => {
    epochConfig(c);
    adjust(c);
  });
}

export interface TestNode {
  id: string;
  privateKey: KeyObject;
  publicKey: string;
}

/** Nodes with fresh ed25519 keys, named `<prefix>-00`, `<prefix>-01`, … */
export function makeNodes(count: number, prefix = 'node'): TestNode[] {
  return Array.from({ length: count }, (_, i) => {
    const { privateKey, publicKey } = generateKeyPair();
    return {
      id: `${prefix}-${String(i).padStart(2, '0')}`,
      privateKey,
      publicKey: exportPublicKey(publicKey),
    };
  });
}

export async function registerNode(
  api: TestApi,
  node: TestNode,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const res = await api.app.inject({
    method: 'POST',
    url: '/nodes',
    headers: api.as('operator'),
    payload: { node_id: node.id, public_key: node.publicKey, max_parallel: 1, ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
}

/** Moves the coordinator's clock and runs one epoch tick, as its schedule would. */
export async function tickAt(api: TestApi, ms: number) {
  api.clock.now = ms;
  return api.epochs.tick();
}

/**
 * A network of `count` nodes registered an hour before genesis, with epoch 0 recorded and its
 * members taken (the clock at genesis).
 */
export async function startNetwork(api: TestApi, count: number): Promise<TestNode[]> {
  const nodes = makeNodes(count);
  api.clock.now = GENESIS_MS - EPOCH_MS;
  for (const node of nodes) await registerNode(api, node, { endpoint: `http://127.0.0.1/${node.id}` });
  await tickAt(api, GENESIS_MS);
  return nodes;
}

/** A started network whose first node is the monitor a test speaks for, with its epoch-0 targets. */
export async function startMonitoredNetwork(
  api: TestApi,
  count: number,
): Promise<{ nodes: TestNode[]; monitor: TestNode; targets: string[] }> {
  const nodes = await startNetwork(api, count);
  const monitor = nodes[0] as TestNode;
  return { nodes, monitor, targets: await targetsOf(api, 0, monitor.id) };
}

export interface SignOptions {
  method?: string;
  /** The body bytes sent; undefined sends none. */
  body?: string;
  timestampMs?: number;
  /** Changes what is signed or sent, to forge a refusal. */
  keyId?: string;
  signWith?: KeyObject;
  signedBodySha256?: string;
  signedPath?: string;
  omit?: Array<keyof typeof REQUEST_SIGNATURE_HEADERS>;
}

const lastTimestamp = new WeakMap<TestApi, number>();

/**
 * The coordinator's clock, but never the same millisecond twice for one API: a real agent
 * signs each call at a fresh instant, and two identical signatures would be a replay.
 */
function freshTimestamp(api: TestApi): number {
  const ts = Math.max(api.clock.now, (lastTimestamp.get(api) ?? 0) + 1);
  lastTimestamp.set(api, ts);
  return ts;
}

/** The four signature headers for a request, as the agent's client sends them. */
export function signatureHeaders(
  api: TestApi,
  node: TestNode,
  url: string,
  options: SignOptions = {},
): Record<string, string> {
  const method = options.method ?? 'POST';
  const bodySha256 = options.body === undefined ? EMPTY_SHA256 : sha256Hex(options.body);
  const request: RequestToSign = {
    method,
    path: options.signedPath ?? url,
    bodySha256: options.signedBodySha256 ?? bodySha256,
    timestampMs: options.timestampMs ?? freshTimestamp(api),
    keyId: options.keyId ?? node.id,
  };
  const headers: Record<string, string> = {
    [REQUEST_SIGNATURE_HEADERS.keyId]: request.keyId,
    [REQUEST_SIGNATURE_HEADERS.timestampMs]: String(request.timestampMs),
    [REQUEST_SIGNATURE_HEADERS.bodySha256]: request.bodySha256,
    [REQUEST_SIGNATURE_HEADERS.signature]: signRequest(request, options.signWith ?? node.privateKey),
  };
  for (const part of options.omit ?? []) delete headers[REQUEST_SIGNATURE_HEADERS[part]];
  return headers;
}

/** Sends a node-signed request; `body` is sent byte for byte. */
export function signedInject(
  api: TestApi,
  node: TestNode,
  url: string,
  options: SignOptions = {},
): Promise<Response> {
  const headers = signatureHeaders(api, node, url, options);
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return api.app.inject({
    method: (options.method ?? 'POST') as 'POST',
    url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body }),
  });
}

export async function getJson<T = Record<string, unknown>>(api: TestApi, url: string): Promise<T> {
  const res = await api.app.inject({ method: 'GET', url, headers: api.as('read') });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as T;
}

/** The ids a node audits in epoch n, as the coordinator publishes them. */
export async function targetsOf(api: TestApi, epoch: number, monitor: string): Promise<string[]> {
  const body = await getJson<{ targets: Array<{ node_id: string }> }>(
    api,
    `/epochs/${epoch}/assignments?monitor=${monitor}`,
  );
  return body.targets.map((t) => t.node_id);
}

/**
 * A monitor's signed report for epoch n: every target probed `samples` times, `down(target)`
 * of them down, latency 20 ms when up.
 */
export function reportOf(
  node: TestNode,
  epoch: number,
  targets: readonly string[],
  { samples = 12, down = () => 0 }: { samples?: number; down?: (target: string) => number } = {},
): SignedReport {
  const summaries = [...targets].sort().map((target) =>
    summarizeTarget(
      target,
      Array.from({ length: samples }, (_, i) => ({
        at_ms: startOf(epoch) + i * 300_000,
        up: i >= down(target),
        latency_ms: i >= down(target) ? 20 : null,
      })),
    ),
  );
  return signReport(
    {
      version: REPORT_VERSION,
      epoch,
      monitor: node.id,
      created_at_ms: endOf(epoch),
      probe_interval_s: 300,
      targets: summaries,
    },
    node.privateKey,
  );
}

/** Posts a signed report (or any body text) to epoch n as `node`. */
export function submitReport(api: TestApi, node: TestNode, epoch: number, body: SignedReport | string) {
  return signedInject(api, node, `/epochs/${epoch}/reports`, {
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function countRows(
  api: TestApi,
  table: 'monitor_reports' | 'request_signatures' | 'settlements' | 'epochs' | 'epoch_members',
): Promise<number> {
  const row = await api.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
