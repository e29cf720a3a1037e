import { isPublicKeyText } from '../../../core/crypto/ed25519.ts';
import { type PublishedDocument, publishedDocumentIssue } from '../../../core/settlement/published.ts';
import {
  type EpochVerification,
  type PublishedAssignments,
  type PublishedEpoch,
  type PublishedSettlement,
  verifyPublishedEpoch,
} from '../../../core/settlement/verify-epoch.ts';

// "Verify in this browser" on the Epochs page: the same downloads as `vigil verify`
// (src/cli/commands/verify.ts) and the same core function, verifyPublishedEpoch, run here on the
// browser shims of node:crypto and node:buffer (decision 0062). No framework: the page renders
// the result.

/** A read that failed; `status` and the problem type's `slug` (`not-settled`) when the coordinator answered. */
export class PublishedReadError extends Error {
  override name = 'PublishedReadError';
  readonly status: number | null;
  readonly slug: string | null;

  constructor(message: string, status: number | null = null, slug: string | null = null) {
    super(message);
    this.status = status;
    this.slug = slug;
  }
}

/**
 * GETs a same-origin path (`/epochs/3/settlement`) and resolves to its JSON. It rejects when the
 * read fails; an error with a numeric `status` (and a string `slug`, the problem type's last
 * segment) says what the coordinator answered, which is how a missing previous settlement (404)
 * and an epoch not settled yet (409 `not-settled`) are told apart from other failures.
 */
export type FetchJson = (path: string) => Promise<unknown>;

export interface VerifyInBrowserOptions {
  fetchJson: FetchJson;
  /** A coordinator public key the user trusts (base64url); without it, `GET /coordinator/identity`'s. */
  coordinatorKey?: string;
}

/** `vigil verify --json`'s document: the verification and the coordinator key it trusted. */
export interface BrowserVerification extends EpochVerification {
  coordinator_key: { public_key: string; source: 'pinned' | 'identity' };
}

/** A single read gets this long, as in `vigil verify`: settlements of large networks are big. */
const REQUEST_TIMEOUT_MS = 60_000;

function problemField(body: unknown, field: string): string | null {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : null;
  return typeof value === 'string' ? value : null;
}

/**
 * The FetchJson a page uses: `fetch` of the path on the page's own origin, its JSON on a 2xx, a
 * PublishedReadError naming the problem+json's slug and detail otherwise.
 */
export async function fetchPublishedJson(path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { accept: 'application/json, application/problem+json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw new PublishedReadError(`cannot read GET ${path}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const type = problemField(body, 'type');
    const slug = type === null ? null : (type.split(':').at(-1) ?? null);
    const detail = problemField(body, 'detail') ?? response.statusText;
    throw new PublishedReadError(
      `GET ${path} answered ${response.status}${slug === null ? '' : ` ${slug}`}: ${detail}`,
      response.status,
      slug,
    );
  }
  if (body === undefined) {
    throw new PublishedReadError(`GET ${path} answered ${response.status} with something that is not JSON`);
  }
  return body;
}

const statusOf = (error: unknown): unknown => (error as { status?: unknown } | null)?.status;
const slugOf = (error: unknown): unknown => (error as { slug?: unknown } | null)?.slug;

/** Reads one public document and refuses it, naming the field, unless verification can read it. */
async function read(fetchJson: FetchJson, path: string, kind: PublishedDocument): Promise<unknown> {
  const body = await fetchJson(path);
  const issue = publishedDocumentIssue(kind, body);
  if (issue !== null) throw new PublishedReadError(`GET ${path} did not answer with ${issue}`);
  return body;
}

/** Epoch n−1's settlement, or null when there is none to read (n = 0, or a 404). */
async function previousSettlement(fetchJson: FetchJson, n: number): Promise<PublishedSettlement | null> {
  if (n === 0) return null;
  try {
    return (await read(fetchJson, `/epochs/${n - 1}/settlement`, 'settlement')) as PublishedSettlement;
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw error;
  }
}

/**
 * Downloads what the coordinator published about epoch n (the coordinator's identity unless a
 * key is pinned, the epoch, its settlement, assignments and reports, and epoch n−1's settlement)
 * and recomputes it with core's verifyPublishedEpoch, as `vigil verify` does. Resolves to every
 * check with its differences; rejects with a PublishedReadError when something cannot be read,
 * is not the document it should be, or the epoch is not settled yet.
 */
export async function verifyEpochInBrowser(
  n: number,
  { fetchJson, coordinatorKey }: VerifyInBrowserOptions,
): Promise<BrowserVerification> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`an epoch is a whole number ≥ 0, got ${n}`);
  if (coordinatorKey !== undefined && !isPublicKeyText(coordinatorKey)) {
    throw new PublishedReadError(
      'the pinned coordinator key is not an ed25519 public key (43 characters of base64url)',
    );
  }
  const key =
    coordinatorKey ??
    ((await read(fetchJson, '/coordinator/identity', 'identity')) as { public_key: string }).public_key;
  const epoch = (await read(fetchJson, `/epochs/${n}`, 'epoch')) as PublishedEpoch;
  let settlement: PublishedSettlement;
  try {
    settlement = (await read(fetchJson, `/epochs/${n}/settlement`, 'settlement')) as PublishedSettlement;
  } catch (error) {
    if (slugOf(error) === 'not-settled') {
      throw new PublishedReadError(
        `epoch ${n} is not settled yet (state ${epoch.state ?? 'unknown'}), nothing to verify: ${(error as Error).message}`,
        409,
        'not-settled',
      );
    }
    throw error;
  }
  const [assignments, reports, previous] = await Promise.all([
    read(fetchJson, `/epochs/${n}/assignments`, 'assignments') as Promise<PublishedAssignments>,
    read(fetchJson, `/epochs/${n}/reports`, 'reports').then(
      (body) => (body as { reports: unknown[] }).reports,
    ),
    previousSettlement(fetchJson, n),
  ]);
  const result = verifyPublishedEpoch({
    epoch,
    settlement,
    assignments,
    reports,
    previousSettlement: previous,
    coordinatorKey: key,
  });
  return {
    ...result,
    coordinator_key: { public_key: key, source: coordinatorKey === undefined ? 'identity' : 'pinned' },
  };
}
