import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A fake Kubernetes API server for the kubernetes deployer's tests: exactly the calls the
// deployer makes, with the API server's JSON shapes (no cluster is reachable here).
//   GET   /apis/apps/v1/namespaces/{ns}/{deployments|statefulsets}/{name}/scale   → autoscaling/v1 Scale
//   PATCH the same (application/merge-patch+json or strategic-merge-patch+json)  → Scale
//   GET   /api/v1/namespaces/{ns}/pods?labelSelector=&limit=&continue=             → v1 PodList
//   PATCH /api/v1/namespaces/{ns}/pods/{name} (merge or strategic merge patch)    → v1 Pod
// Errors are metav1 Status objects (401 without the bearer token, 403 for a denied verb and
// resource, 404 for a missing object, 415 for a patch type not implemented here). Behind it runs
// a controller: spec.replicas creates pods (Pending, then scheduled, then Running and Ready) and
// deletes surplus ones the way the ReplicaSet controller ranks them (unscheduled, then Pending,
// then not Ready, then lowest pod-deletion-cost, then newest), or, for a StatefulSet, the highest
// ordinals (podManagementPolicy Parallel). A deleted pod carries a deletionTimestamp while it
// terminates, then goes.

type Json = Record<string, unknown>;
type Kind = 'Deployment' | 'StatefulSet';

interface Workload {
  kind: Kind;
  namespace: string;
  name: string;
  uid: string;
  created: string;
  replicas: number;
  labels: Record<string, string>;
  /** The Deployment's current ReplicaSet's pod-template-hash. */
  hash: string;
  generation: number;
}

interface FakePod {
  pod: Json;
  /** The workload that owns it (`Kind/ns/name`), or null for a bare pod. */
  owner: string | null;
  createdMs: number;
}

export interface FakeKubernetesOptions {
  /** The bearer token the server accepts. */
  token: string;
  /** How long a deleted pod terminates before it goes (its SIGTERM handling). */
  terminationMs?: number;
  /** Time from creation to scheduled, and from scheduled to Running and Ready. */
  startStepMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | null;
  body: unknown;
}

const rfc3339 = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;
const rand = (n: number) => [...randomBytes(n)].map((b) => 'bcdfghjklmnpqrstvwxz2456789'[b % 27]).join('');

function status(code: number, reason: string, message: string, details?: Json): Json {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

/** RFC 7386 JSON merge patch; for the maps patched here, strategic merge patch does the same. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Json =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Equality-based selectors (`a=b,c==d,e!=f`), the form a Scale's status.selector takes for matchLabels. */
function parseSelector(selector: string): ((labels: Record<string, string>) => boolean) | null {
  const terms: Array<(l: Record<string, string>) => boolean> = [];
  for (const raw of selector.split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const m = /^([A-Za-z0-9._/-]+)\s*(!=|==|=)\s*([A-Za-z0-9._-]*)$/.exec(term);
    if (m === null) return null;
    const [, key, op, value] = m as unknown as [string, string, string, string];
    terms.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
  }
  return (labels) => terms.every((t) => t(labels));
}

const selectorOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/** The fake server, its state, and hooks for the tests. */
export async function startFakeKubernetes(options: FakeKubernetesOptions) {
  const { token, terminationMs = 150, startStepMs = 40 } = options;
  const workloads = new Map<string, Workload>();
  const pods = new Map<string, FakePod>();
  const denied = new Set<string>();
  const requests: RecordedRequest[] = [];
  let resourceVersion = 1000;
  const nextVersion = () => String(++resourceVersion);
  const keyOf = (kind: Kind, ns: string, name: string) => `${kind}/${ns}/${name}`;
  const podsOf = (owner: string) => [...pods.values()].filter((p) => p.owner === owner);
  const meta = (p: FakePod) => p.pod.metadata as Json;
  const podStatus = (p: FakePod) => p.pod.status as Json;
  const deleting = (p: FakePod) => meta(p).deletionTimestamp !== undefined;

  function scaleOf(w: Workload): Json {
    const active = podsOf(keyOf(w.kind, w.namespace, w.name)).filter((p) => !deleting(p));
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: w.name,
        namespace: w.namespace,
        uid: w.uid,
        resourceVersion: nextVersion(),
        creationTimestamp: w.created,
      },
      spec: { replicas: w.replicas },
      status: { replicas: active.length, selector: selectorOf(w.labels) },
    };
  }

  function newPod(w: Workload, name: string, labels: Record<string, string>): FakePod {
    const now = Date.now();
    const ownerKind = w.kind === 'Deployment' ? 'ReplicaSet' : 'StatefulSet';
    const ownerName = w.kind === 'Deployment' ? `${w.name}-${w.hash}` : w.name;
    return {
      owner: keyOf(w.kind, w.namespace, w.name),
      createdMs: now,
      pod: {
        metadata: {
          name,
          namespace: w.namespace,
          uid: randomUUID(),
          resourceVersion: nextVersion(),
          creationTimestamp: rfc3339(now),
          labels,
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: ownerKind, name: ownerName, uid: w.uid, controller: true },
          ],
        },
        spec: {
          containers: [{ name: 'worker', image: 'vigil:test' }],
          terminationGracePeriodSeconds: 30,
        },
        status: {
          phase: 'Pending',
          conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
          qosClass: 'BestEffort',
        },
      },
    };
  }

  /** Moves a pod one step along Pending → scheduled → Running and Ready. */
  function progress(p: FakePod, now: number): void {
    if (deleting(p)) return;
    const st = podStatus(p);
    const spec = p.pod.spec as Json;
    if (spec.nodeName === undefined && now - p.createdMs >= startStepMs) {
      spec.nodeName = 'node-1';
      st.conditions = [{ type: 'PodScheduled', status: 'True' }];
      meta(p).resourceVersion = nextVersion();
    } else if (
      spec.nodeName !== undefined &&
      st.phase === 'Pending' &&
      now - p.createdMs >= 2 * startStepMs
    ) {
      st.phase = 'Running';
      st.startTime = rfc3339(now);
      st.conditions = [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
        { type: 'Ready', status: 'True', lastTransitionTime: rfc3339(now) },
      ];
      meta(p).resourceVersion = nextVersion();
    }
  }

  const phaseRank = (p: FakePod) =>
    ({ Pending: 0, Unknown: 1, Running: 2 })[podStatus(p).phase as string] ?? 0;
  const ready = (p: FakePod) =>
    ((podStatus(p).conditions as Json[] | undefined) ?? []).some(
      (c) => c.type === 'Ready' && c.status === 'True',
    );
  const cost = (p: FakePod) => {
    const raw = (meta(p).annotations as Record<string, string> | undefined)?.[
      'controller.kubernetes.io/pod-deletion-cost'
    ];
    const n = raw === undefined ? 0 : Number(raw);
    return Number.isInteger(n) ? n : 0;
  };

  /** The ReplicaSet controller's order for deleting surplus pods (ActivePodsWithRanks, abridged). */
  function deletionOrder(a: FakePod, b: FakePod): number {
    const scheduled = (p: FakePod) => ((p.pod.spec as Json).nodeName === undefined ? 0 : 1);
    return (
      scheduled(a) - scheduled(b) ||
      phaseRank(a) - phaseRank(b) ||
      Number(ready(a)) - Number(ready(b)) ||
      cost(a) - cost(b) ||
      b.createdMs - a.createdMs
    );
  }

  function markDeleted(p: FakePod, now: number): void {
    meta(p).deletionTimestamp = rfc3339(now + 30_000);
    meta(p).deletionGracePeriodSeconds = 30;
    meta(p).resourceVersion = nextVersion();
    const name = meta(p).name as string;
    const ns = meta(p).namespace as string;
    setTimeout(() => pods.delete(`${ns}/${name}`), terminationMs).unref();
  }

  function reconcile(): void {
    const now = Date.now();
    for (const p of pods.values()) progress(p, now);
    for (const w of workloads.values()) {
      const owner = keyOf(w.kind, w.namespace, w.name);
      const active = podsOf(owner).filter((p) => !deleting(p));
      if (w.kind === 'Deployment') {
        for (let i = active.length; i < w.replicas; i++) {
          const name = `${w.name}-${w.hash}-${rand(5)}`;
          pods.set(`${w.namespace}/${name}`, newPod(w, name, { ...w.labels, 'pod-template-hash': w.hash }));
        }
        const surplus = active.length - w.replicas;
        if (surplus > 0) for (const p of active.sort(deletionOrder).slice(0, surplus)) markDeleted(p, now);
      } else {
        const names = new Set(podsOf(owner).map((p) => meta(p).name as string));
        for (let i = 0; i < w.replicas; i++) {
          const name = `${w.name}-${i}`;
          if (names.has(name)) continue;
          pods.set(
            `${w.namespace}/${name}`,
            newPod(w, name, {
              ...w.labels,
              'statefulset.kubernetes.io/pod-name': name,
              'apps.kubernetes.io/pod-index': String(i),
            }),
          );
        }
        for (const p of active) {
          const index = Number((meta(p).labels as Record<string, string>)['apps.kubernetes.io/pod-index']);
          if (index >= w.replicas) markDeleted(p, now);
        }
      }
    }
  }
  const controller = setInterval(reconcile, 20);
  controller.unref();

  function send(res: ServerResponse, code: number, body: Json): void {
    res.writeHead(code, { 'content-type': 'application/json', 'audit-id': randomUUID() });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** The merge patch in a PATCH request, or the Status to answer with. */
  function patchOf(contentType: string | null, body: unknown): { patch: Json } | { error: Json } {
    if (
      contentType !== 'application/merge-patch+json' &&
      contentType !== 'application/strategic-merge-patch+json'
    ) {
      return {
        error: status(
          415,
          'UnsupportedMediaType',
          `the fake implements merge patches only, not ${contentType}`,
        ),
      };
    }
    if (body === null || typeof body !== 'object')
      return { error: status(400, 'BadRequest', 'invalid patch body') };
    return { patch: body as Json };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim() ?? null;
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, status(400, 'BadRequest', 'body is not JSON'));
      }
    }
    requests.push({ method, path: url.pathname + url.search, contentType, body });
    if (req.headers.authorization !== `Bearer ${token}`) {
      return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }

    const scaleRoute =
      /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets)\/([^/]+)\/scale$/.exec(
        url.pathname,
      );
    if (scaleRoute !== null) {
      const [, ns, resource, name] = scaleRoute as unknown as [string, string, string, string];
      const verb = method === 'GET' ? 'get' : method === 'PATCH' ? 'patch' : null;
      if (verb === null)
        return send(res, 405, status(405, 'MethodNotAllowed', `${method} is not served here`));
      if (denied.has(`${verb} ${resource}/scale`)) {
        return send(
          res,
          403,
          status(
            403,
            'Forbidden',
            `${resource}.apps "${name}" is forbidden: User "system:serviceaccount:vigil:autoscaler" cannot ${verb} resource "${resource}/scale" in API group "apps" in the namespace "${ns}"`,
            { name, group: 'apps', kind: resource },
          ),
        );
      }
      const kind: Kind = resource === 'deployments' ? 'Deployment' : 'StatefulSet';
      const w = workloads.get(keyOf(kind, ns, name));
      if (w === undefined) {
        return send(
          res,
          404,
          status(404, 'NotFound', `${resource}.apps "${name}" not found`, {
            name,
            group: 'apps',
            kind: resource,
          }),
        );
      }
      if (verb === 'patch') {
        const parsed = patchOf(contentType, body);
        if ('error' in parsed) return send(res, parsed.error.code as number, parsed.error);
        const next = mergePatch({ spec: { replicas: w.replicas } }, parsed.patch) as {
          spec?: { replicas?: unknown };
        };
        const replicas = next.spec?.replicas;
        if (!Number.isInteger(replicas) || (replicas as number) < 0) {
          return send(
            res,
            422,
            status(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value`),
          );
        }
        if (replicas !== w.replicas) w.generation++;
        w.replicas = replicas as number;
        reconcile();
      }
      return send(res, 200, scaleOf(w));
    }

    const podList = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (podList !== null && method === 'GET') {
      const [, ns] = podList as unknown as [string, string];
      if (denied.has('list pods')) {
        return send(
          res,
          403,
          status(
            403,
            'Forbidden',
            `pods is forbidden: User "system:serviceaccount:vigil:autoscaler" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
            { kind: 'pods' },
          ),
        );
      }
      const match = parseSelector(url.searchParams.get('labelSelector') ?? '');
      if (match === null) return send(res, 400, status(400, 'BadRequest', 'unable to parse requirement'));
      const all = [...pods.values()]
        .filter((p) => meta(p).namespace === ns && match((meta(p).labels as Record<string, string>) ?? {}))
        .sort((a, b) => String(meta(a).name).localeCompare(String(meta(b).name)));
      const offset = Number(url.searchParams.get('continue') ?? '0') || 0;
      const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
      const page = all.slice(offset, offset + limit);
      const more = offset + limit < all.length;
      return send(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: {
          resourceVersion: String(resourceVersion),
          ...(more ? { continue: String(offset + limit) } : {}),
        },
        items: page.map((p) => p.pod),
      });
    }

    const podRoute = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (podRoute !== null && method === 'PATCH') {
      const [, ns, name] = podRoute as unknown as [string, string, string];
      if (denied.has('patch pods')) {
        return send(
          res,
          403,
          status(
            403,
            'Forbidden',
            `pods "${name}" is forbidden: User "system:serviceaccount:vigil:autoscaler" cannot patch resource "pods" in API group "" in the namespace "${ns}"`,
            { name, kind: 'pods' },
          ),
        );
      }
      const p = pods.get(`${ns}/${name}`);
      if (p === undefined)
        return send(res, 404, status(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
      const parsed = patchOf(contentType, body);
      if ('error' in parsed) return send(res, parsed.error.code as number, parsed.error);
      const patched = mergePatch(p.pod, parsed.patch) as Json;
      // Only metadata is patchable here; a real server forbids most spec changes too.
      p.pod = { ...p.pod, metadata: { ...(patched.metadata as Json), resourceVersion: nextVersion() } };
      return send(res, 200, { kind: 'Pod', apiVersion: 'v1', ...p.pod });
    }

    return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => send(res, 500, status(500, 'InternalError', error.message)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Creates a workload whose pods carry `labels` (its selector's matchLabels). */
    addWorkload(
      kind: Kind,
      namespace: string,
      name: string,
      labels: Record<string, string>,
      replicas = 0,
    ): void {
      workloads.set(keyOf(kind, namespace, name), {
        kind,
        namespace,
        name,
        uid: randomUUID(),
        created: rfc3339(Date.now()),
        replicas,
        labels,
        hash: rand(10),
        generation: 1,
      });
    },
    /** A running pod owned by no workload (a look-alike). */
    plantPod(namespace: string, name: string, labels: Record<string, string>): void {
      const fake = newPod(
        {
          kind: 'Deployment',
          namespace,
          name,
          uid: '',
          created: '',
          replicas: 0,
          labels,
          hash: '',
          generation: 0,
        },
        name,
        labels,
      );
      fake.owner = null;
      delete (fake.pod.metadata as Json).ownerReferences;
      fake.createdMs -= 10 * startStepMs;
      pods.set(`${namespace}/${name}`, fake);
    },
    pod(namespace: string, name: string): Json | undefined {
      return pods.get(`${namespace}/${name}`)?.pod;
    },
    podNames(namespace: string): string[] {
      return [...pods.keys()]
        .filter((k) => k.startsWith(`${namespace}/`))
        .map((k) => k.slice(namespace.length + 1));
    },
    /** Makes the server refuse a verb on a resource (`get deployments/scale`, `list pods`, `patch pods`). */
    deny(rule: string): void {
      denied.add(rule);
    },
    allow(rule: string): void {
      denied.delete(rule);
    },
    /** Removes every workload and pod in the namespace at once. */
    clear(namespace: string): void {
      for (const [k, w] of workloads) if (w.namespace === namespace) workloads.delete(k);
      for (const k of pods.keys()) if (k.startsWith(`${namespace}/`)) pods.delete(k);
    },
    async close(): Promise<void> {
      clearInterval(controller);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeKubernetes = Awaited<ReturnType<typeof startFakeKubernetes>>;
