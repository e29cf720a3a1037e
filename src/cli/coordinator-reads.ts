import { InvalidArgumentError } from 'commander';
import { isPublicKeyText } from '../core/crypto/ed25519.ts';
import { type PublishedDocument, publishedDocumentIssue } from '../core/settlement/published.ts';
import type {
  PublishedAssignments,
  PublishedEpoch,
  PublishedSettlement,
} from '../core/settlement/verify-epoch.ts';

// The coordinator's public reads that `vigil verify` and `vigil assignments` download, as the
// peer-monitoring contract shapes them. Every failure becomes one Error whose message is the
// line the operator sees.

/** A single read gets this long, body included; settlement documents of large networks are big. */
const REQUEST_TIMEOUT_MS = 60_000;

/** `--coordinator`: an http(s) base URL, kept without its trailing slash. */
export function coordinatorUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('--coordinator must be an http(s) URL, e.g. http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError('--coordinator must be an http(s) URL, e.g. http://127.0.0.1:8080');
  return value.replace(/\/+$/, '');
}

/** `--epoch`: a whole number, 0 included (the genesis epoch). */
export function epochNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('--epoch must be a whole number ≥ 0');
  return n;
}

/** `--coordinator-key`: a public key in the form `exportPublicKey` writes. */
export function publicKeyText(value: string): string {
  if (!isPublicKeyText(value))
    throw new InvalidArgumentError('must be an ed25519 public key: 43 characters of unpadded base64url');
  return value;
}

/** A refused or failed read; `slug` is the problem type's last segment (`not-settled`), when there is one. */
export class CoordinatorReadError extends Error {
  override name = 'CoordinatorReadError';
  readonly status: number | null;
  readonly slug: string | null;

  constructor(message: string, status: number | null = null, slug: string | null = null) {
    super(message);
    this.status = status;
    this.slug = slug;
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** GETs one JSON document; anything but a 2xx JSON answer is a CoordinatorReadError saying why. */
export async function getJson(base: string, path: string): Promise<unknown> {
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(`${base}${path}`, {
      headers: { accept: 'application/json, application/problem+json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    body = await readJson(response);
  } catch (error) {
    const cause = error as Error;
    const reason =
      cause.name === 'TimeoutError'
        ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
        : ((cause.cause as Error | undefined)?.message ?? cause.message);
    throw new CoordinatorReadError(`cannot read GET ${path} from the coordinator at ${base}: ${reason}`);
  }
  if (!response.ok) {
    const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const type = typeof problem['type'] === 'string' ? problem['type'] : null;
    const slug = type === null ? null : (type.split(':').at(-1) ?? null);
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : response.statusText;
    const retry = response.headers.get('retry-after');
    const retryNote = retry === null ? '' : ` (retry after ${/^\d+$/.test(retry) ? `${retry} s` : retry})`;
    throw new CoordinatorReadError(
      `GET ${path} answered ${response.status}${slug === null ? '' : ` ${slug}`}: ${detail}${retryNote}`,
      response.status,
      slug,
    );
  }
  if (body === undefined) {
    throw new CoordinatorReadError(`GET ${path} answered ${response.status} with something that is not JSON`);
  }
  return body;
}

/** GETs a public document and checks it has the fields verification reads (core/settlement/published.ts). */
async function getDocument(base: string, path: string, kind: PublishedDocument): Promise<unknown> {
  const body = await getJson(base, path);
  const issue = publishedDocumentIssue(kind, body);
  if (issue !== null) throw new CoordinatorReadError(`GET ${path} did not answer with ${issue}`);
  return body;
}

/** The coordinator's public reads, each checked for the shape verification relies on. */
export function coordinatorReads(base: string) {
  const epochPath = (n: number) => `/epochs/${n}`;
  return {
    base,
    async identity(): Promise<string> {
      const body = await getDocument(base, '/coordinator/identity', 'identity');
      return (body as { public_key: string }).public_key;
    },
    async epoch(n: number): Promise<PublishedEpoch> {
      return (await getDocument(base, epochPath(n), 'epoch')) as PublishedEpoch;
    },
    async assignments(n: number): Promise<PublishedAssignments> {
      return (await getDocument(base, `${epochPath(n)}/assignments`, 'assignments')) as PublishedAssignments;
    },
    async reports(n: number): Promise<unknown[]> {
      const body = await getDocument(base, `${epochPath(n)}/reports`, 'reports');
      return (body as { reports: unknown[] }).reports;
    },
    async settlement(n: number): Promise<PublishedSettlement> {
      return (await getDocument(base, `${epochPath(n)}/settlement`, 'settlement')) as PublishedSettlement;
    },
  };
}

export type CoordinatorReads = ReturnType<typeof coordinatorReads>;
