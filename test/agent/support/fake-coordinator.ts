import type { ServerResponse } from 'node:http';
import type { EpochMember, EpochView, MonitoringSettings } from '../../../src/agent/coordinator-views.ts';
import { sha256Hex } from '../../../src/core/crypto/index.ts';
import {
  parseSignedReport,
  reportDigest,
  type SignedReport,
  verifySignedReport,
} from '../../../src/core/reports/index.ts';
import { bodyOf, type LocalServer, sendJson, sendProblem, serve } from '../../helpers/http.ts';
import { createNodeRegistry } from '../../node-client/support/node-registry.ts';
import { createScriptedFailures } from '../../node-client/support/scripted-failures.ts';
import { checkSignedRequests } from '../../node-client/support/signed-requests.ts';

/** The calls a test can make fail; status 0 drops the connection. */
type FailingRoute = 'reports' | 'interim' | 'current' | 'nodes';

export interface FakeCoordinatorOptions {
  genesis_ms: number;
  length_ms: number;
  report_window_ms: number;
  monitoring: MonitoringSettings;
  /** Who audits whom, by epoch: monitor id → target ids. Epochs not listed have no seed yet. */
  groups: Map<number, Map<string, string[]>>;
  members: EpochMember[];
  now?: () => number;
  apiKey?: string;
}

export interface ReceivedReport {
  epoch: number;
  monitor: string;
  body: string;
  signed: SignedReport;
  status: number;
}

export interface FakeCoordinator extends LocalServer {
  options: FakeCoordinatorOptions;
  reports: ReceivedReport[];
  /** Accepted reports by `${epoch}/${monitor}`: digest and raw body. */
  stored: Map<string, { digest: string; body: string }>;
  interims: Array<{
    epoch: number;
    body: { monitor: string; targets: Array<{ target: string; probes: Array<[number, number]> }> };
  }>;
  registrations: Array<Record<string, unknown>>;
  /** The next `count` requests matching `route` answer with this problem instead. */
  failNext(route: FailingRoute, count: number, status: number, slug: string): void;
  /** Clears scripted failures not yet used. */
  clearFailures(): void;
  /** Every request seen, with its body, for counting attempts and comparing bytes. */
  requests: Array<{ method: string; path: string; body: string }>;
  /** Problems a signed request was refused with: a test fails if the agent signs wrongly. */
  refusals: string[];
}

/**
 * A stand-in for the coordinator that follows docs/design/peer-monitoring-contract.md: epochs
 * on a configurable clock, assignments by monitor, node-signed interim summaries and reports
 * (signatures checked as the real one checks them), idempotent report storage, and
 * `POST /nodes`. Tests script failures with `failNext`.
 */
export async function startFakeCoordinator(options: FakeCoordinatorOptions): Promise<FakeCoordinator> {
  const now = options.now ?? Date.now;
  const reports: ReceivedReport[] = [];
  const stored = new Map<string, { digest: string; body: string }>();
  const interims: FakeCoordinator['interims'] = [];
  const registry = createNodeRegistry({ apiKey: options.apiKey });
  const requests: FakeCoordinator['requests'] = [];
  const refusals: string[] = [];
  const failures = createScriptedFailures<FailingRoute>();

  function view(epoch: number): EpochView {
    const start_ms = options.genesis_ms + epoch * options.length_ms;
    const end_ms = start_ms + options.length_ms;
    const report_window_end_ms = end_ms + options.report_window_ms;
    const t = now();
    const group = options.groups.get(epoch);
    return {
      epoch,
      start_ms,
      end_ms,
      report_window_end_ms,
      state: t < end_ms ? 'open' : t < report_window_end_ms ? 'reporting' : 'settling',
      seed: group === undefined ? null : sha256Hex(`seed ${epoch}`),
      members: options.members.length,
      group_size: group === undefined ? null : Math.max(...[...group.values()].map((t) => t.length)),
      monitoring: options.monitoring,
    };
  }

  function publicKeyOf(nodeId: string): string | null {
    const member = options.members.find((m) => m.node_id === nodeId);
    return member?.public_key ?? registry.publicKeyOf(nodeId);
  }

  /** The contract's node-signed request check; returns the key id or answers 401 itself. */
  const authenticate = checkSignedRequests({ publicKeyOf, refusals, now });

  const scripted = (route: FailingRoute, res: ServerResponse) => failures.answer(route, res);

  const server = await serve(async (req, res) => {
    const url = new URL(req.url!, 'http://fake');
    const body = await bodyOf(req);
    requests.push({ method: req.method!, path: url.pathname, body });
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/epochs/current') {
      if (scripted('current', res)) return;
      const t = now();
      if (t < options.genesis_ms) return sendProblem(res, 404, 'not-found', 'no epoch yet');
      return sendJson(res, 200, view(Math.floor((t - options.genesis_ms) / options.length_ms)));
    }
    if (url.pathname === '/nodes' && req.method === 'POST') {
      if (scripted('nodes', res)) return;
      return registry.handle(req, res, body);
    }
    const match = /^\/epochs\/(\d+)\/(assignments|interim|reports)$/.exec(url.pathname);
    if (match === null) return sendProblem(res, 404, 'not-found', url.pathname);
    const epoch = Number(match[1]);
    const v = view(epoch);
    const group = options.groups.get(epoch);
    if (match[2] === 'assignments') {
      if (group === undefined)
        return sendProblem(res, 409, 'epoch-not-ready', 'no seed yet', { 'retry-after': '1' });
      const monitor = url.searchParams.get('monitor')!;
      const targets = group.get(monitor);
      if (targets === undefined) return sendProblem(res, 404, 'not-found', `${monitor} is not a member`);
      return sendJson(res, 200, {
        epoch,
        seed: v.seed,
        group_size: v.group_size,
        monitor,
        targets: options.members.filter((m) => targets.includes(m.node_id)),
      });
    }
    const keyId = authenticate(req, res, body);
    if (keyId === null) return;
    if (match[2] === 'interim') {
      if (scripted('interim', res)) return;
      const summary = JSON.parse(body) as FakeCoordinator['interims'][number]['body'];
      if (summary.monitor !== keyId)
        return sendProblem(res, 403, 'not-assigned', 'key id is not the monitor');
      if (now() >= v.report_window_end_ms) return sendProblem(res, 409, 'epoch-closed', 'closed');
      interims.push({ epoch, body: summary });
      const probes = summary.targets.reduce((n, t) => n + t.probes.length, 0);
      return sendJson(res, 202, { epoch, monitor: keyId, probes });
    }
    if (scripted('reports', res)) return;
    const signed = parseSignedReport(JSON.parse(body));
    const received: ReceivedReport = { epoch, monitor: signed.report.monitor, body, signed, status: 0 };
    reports.push(received);
    const answer = (status: number, payload: unknown) => {
      received.status = status;
      sendJson(res, status, payload);
    };
    if (signed.report.monitor !== keyId) return sendProblem(res, 403, 'not-assigned', 'not the monitor');
    if (signed.report.epoch !== epoch) return sendProblem(res, 400, 'wrong-epoch', 'wrong epoch');
    if (!verifySignedReport(signed, publicKeyOf(keyId)!))
      return sendProblem(res, 400, 'bad-report-signature', 'sig');
    if (now() < v.end_ms) return sendProblem(res, 409, 'report-window-not-open', 'not yet');
    if (now() >= v.report_window_end_ms) return sendProblem(res, 409, 'report-window-closed', 'closed');
    const digest = reportDigest(signed);
    const key = `${epoch}/${keyId}`;
    const earlier = stored.get(key);
    const receipt = { epoch, monitor: keyId, digest, received_at: new Date(now()).toISOString() };
    if (earlier === undefined) {
      stored.set(key, { digest, body });
      return answer(201, receipt);
    }
    if (earlier.digest === digest) return answer(200, receipt);
    received.status = 409;
    return sendProblem(res, 409, 'report-conflict', 'a different report is stored');
  });

  return {
    ...server,
    options,
    reports,
    stored,
    interims,
    registrations: registry.registrations,
    requests,
    refusals,
    failNext: (route, count, status, slug) => failures.failNext(route, count, status, slug),
    clearFailures: () => failures.clear(),
  };
}
