import { Client } from 'undici';

/**
 * The few Docker Engine API calls the docker deployer makes, over the engine's unix socket with
 * undici (decision 0068): list by label, create, start, stop with a timeout, inspect, remove,
 * pull. The API version is negotiated once per client, as the docker CLI does, because engines
 * refuse versions outside [MinAPIVersion, ApiVersion] and that window moves (Docker 29 refuses
 * anything below 1.44).
 */

/** The newest API version this client was written against; an older engine's own is used. */
const NEWEST_API = '1.47';
/** The oldest with everything used here (typed Mounts with volume labels). */
const OLDEST_API = '1.25';

/** An answer other than 2xx; `status` lets callers tell a conflict or a missing image. */
export class EngineError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'EngineError';
    this.status = status;
  }
}

/** One row of GET /containers/json. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  State: string;
  Created: number;
  Labels: Record<string, string>;
}

/** The parts of GET /containers/{id}/json used here. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Status: string; ExitCode: number; OOMKilled: boolean; StartedAt: string };
  Config: { Env: string[] | null; Labels: Record<string, string>; Cmd: string[] | null; Image: string };
  HostConfig: { NetworkMode: string; RestartPolicy: { Name: string } };
  Mounts: Array<{ Type: string; Name?: string; Destination: string }>;
}

export interface EngineClient {
  listContainers(labels: readonly string[]): Promise<ContainerSummary[]>;
  createContainer(name: string, spec: Record<string, unknown>): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** Returns when the container has stopped: SIGTERM, then SIGKILL after `timeoutS`. */
  stopContainer(id: string, timeoutS: number): Promise<void>;
  inspectContainer(id: string): Promise<ContainerInspect>;
  removeContainer(id: string): Promise<void>;
  /** Pulls `image` and waits for the pull to end; an error in the progress stream is thrown. */
  pullImage(image: string): Promise<void>;
  close(): Promise<void>;
}

function versionParts(v: string): [number, number] {
  const [major = 0, minor = 0] = v.split('.').map((p) => Number.parseInt(p, 10));
  return [major, minor];
}

function older(a: string, b: string): boolean {
  const [am, an] = versionParts(a);
  const [bm, bn] = versionParts(b);
  return am < bm || (am === bm && an < bn);
}

/** `image:tag` (or `registry:port/image:tag`, or `image@sha256:…`) as the pull endpoint wants it. */
function splitImage(image: string): { fromImage: string; tag: string } {
  if (image.includes('@')) return { fromImage: image, tag: '' };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash
    ? { fromImage: image.slice(0, colon), tag: image.slice(colon + 1) }
    : { fromImage: image, tag: 'latest' };
}

/** A client of the engine listening on `socketPath`. Requests longer than `requestTimeoutMs` fail. */
export function createEngineClient(socketPath: string, { requestTimeoutMs = 30_000 } = {}): EngineClient {
  const client = new Client('http://docker', { socketPath });
  let prefix: Promise<string> | null = null;

  async function call<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    {
      body,
      timeoutMs = requestTimeoutMs,
      versioned = true,
    }: { body?: unknown; timeoutMs?: number; versioned?: boolean } = {},
  ): Promise<{ status: number; json: T | null; text: string }> {
    const base = versioned ? await apiPrefix() : '';
    const res = await client.request({
      method,
      path: `${base}${path}`,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    let json: T | null = null;
    if (text !== '' && String(res.headers['content-type'] ?? '').includes('json')) {
      try {
        json = JSON.parse(text) as T;
      } catch {
        // Pull answers a stream of JSON documents, read by the caller from `text`.
      }
    }
    if (res.statusCode >= 300 && res.statusCode !== 304) {
      const message = (json as { message?: string } | null)?.message ?? text.trim();
      throw new EngineError(res.statusCode, `${method} ${path}: ${res.statusCode} ${message}`);
    }
    return { status: res.statusCode, json, text };
  }

  function apiPrefix(): Promise<string> {
    prefix ??= call<{ ApiVersion: string; MinAPIVersion?: string }>('GET', '/version', {
      versioned: false,
    }).then(({ json }) => {
      const theirs = json?.ApiVersion ?? OLDEST_API;
      if (older(theirs, OLDEST_API)) {
        throw new EngineError(
          0,
          `engine API ${theirs} is older than ${OLDEST_API}, the oldest this client speaks`,
        );
      }
      return `/v${older(theirs, NEWEST_API) ? theirs : NEWEST_API}`;
    });
    // A failed negotiation (engine not up yet) is tried again at the next call.
    prefix.catch(() => {
      prefix = null;
    });
    return prefix;
  }

  return {
    async listContainers(labels) {
      const filters = encodeURIComponent(JSON.stringify({ label: labels }));
      return (
        (await call<ContainerSummary[]>('GET', `/containers/json?all=true&filters=${filters}`)).json ?? []
      );
    },
    async createContainer(name, spec) {
      const { json } = await call<{ Id: string }>(
        'POST',
        `/containers/create?name=${encodeURIComponent(name)}`,
        {
          body: spec,
        },
      );
      if (json === null) throw new EngineError(0, `POST /containers/create: no container id in the answer`);
      return json.Id;
    },
    async startContainer(id) {
      // 304: already running, which is what was asked.
      await call('POST', `/containers/${encodeURIComponent(id)}/start`);
    },
    async stopContainer(id, timeoutS) {
      // The engine answers once the container has stopped, up to timeoutS later, plus the kill.
      await call('POST', `/containers/${encodeURIComponent(id)}/stop?t=${timeoutS}`, {
        timeoutMs: timeoutS * 1000 + requestTimeoutMs,
      });
    },
    async inspectContainer(id) {
      const { json } = await call<ContainerInspect>('GET', `/containers/${encodeURIComponent(id)}/json`);
      if (json === null) throw new EngineError(0, `GET /containers/${id}/json: empty answer`);
      return json;
    },
    async removeContainer(id) {
      try {
        // The volume stays (v=false): the next replica of this number takes its node key and outbox.
        await call('DELETE', `/containers/${encodeURIComponent(id)}?force=true&v=false`);
      } catch (error) {
        if (!(error instanceof EngineError && error.status === 404)) throw error;
      }
    },
    async pullImage(image) {
      const { fromImage, tag } = splitImage(image);
      const query = `fromImage=${encodeURIComponent(fromImage)}${tag === '' ? '' : `&tag=${encodeURIComponent(tag)}`}`;
      const { text } = await call('POST', `/images/create?${query}`, { timeoutMs: 10 * 60_000 });
      // The answer is 200 with progress lines; a failed pull says so in its last line.
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        try {
          const entry = JSON.parse(line) as { error?: string };
          if (entry.error !== undefined) throw new EngineError(0, entry.error);
        } catch (error) {
          if (error instanceof EngineError) throw error;
        }
      }
    },
    async close() {
      await client.close();
    },
  };
}
