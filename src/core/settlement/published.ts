import { isPublicKeyText } from '../crypto/ed25519.ts';

// The shape checks of the coordinator's public reads that verification downloads, shared by
// `vigil verify` and the dashboard's "verify in this browser": a document that lacks a field
// verification reads is refused with one sentence, before any check runs on it.

/** The public documents verification reads (types in verify-epoch.ts). */
export type PublishedDocument = 'identity' | 'epoch' | 'assignments' | 'reports' | 'settlement';

type Field = 'string' | 'number' | 'array' | 'object' | 'string|null' | 'number|null';

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The first field that is wrong, as `state is missing, expected string`; null when all are right. */
function fieldsIssue(what: string, value: unknown, fields: Record<string, Field>): string | null {
  if (kindOf(value) !== 'object') return `${what}: got ${kindOf(value)}`;
  const record = value as Record<string, unknown>;
  for (const [name, kind] of Object.entries(fields)) {
    const actual = kindOf(record[name]);
    if (!kind.split('|').includes(actual))
      return `${what}: ${name} is ${actual === 'undefined' ? 'missing' : actual}, expected ${kind}`;
  }
  return null;
}

function firstIssue(issues: Iterable<string | null>): string | null {
  for (const issue of issues) if (issue !== null) return issue;
  return null;
}

const SHAPES: Record<PublishedDocument, (body: unknown) => string | null> = {
  identity(body) {
    const issue = fieldsIssue('an identity', body, { public_key: 'string' });
    if (issue !== null) return issue;
    return isPublicKeyText((body as { public_key: string }).public_key)
      ? null
      : 'an identity: public_key is not an ed25519 public key';
  },
  epoch: (body) =>
    fieldsIssue('an epoch', body, {
      epoch: 'number',
      state: 'string',
      seed: 'string|null',
      previous_settlement_hash: 'string|null',
      members: 'number|null',
      group_size: 'number|null',
      settlement_hash: 'string|null',
    }),
  assignments(body) {
    const issue = fieldsIssue('an assignment', body, {
      epoch: 'number',
      seed: 'string',
      group_size: 'number',
      members: 'array',
      groups: 'array',
    });
    if (issue !== null) return issue;
    const doc = body as { members: unknown[]; groups: unknown[] };
    return firstIssue([
      ...doc.members.map((m, i) =>
        fieldsIssue(`members[${i}]`, m, { node_id: 'string', public_key: 'string' }),
      ),
      ...doc.groups.map((g, i) => fieldsIssue(`groups[${i}]`, g, { target: 'string', monitors: 'array' })),
    ]);
  },
  reports: (body) => fieldsIssue('a report list', body, { epoch: 'number', reports: 'array' }),
  settlement(body) {
    const issue = fieldsIssue('a signed settlement', body, {
      settlement: 'object',
      signature: 'string',
      hash: 'string',
    });
    if (issue !== null) return issue;
    return fieldsIssue('a settlement', (body as { settlement: unknown }).settlement, {
      epoch: 'number',
      previous_settlement_hash: 'string',
      reports_accepted: 'number',
      reports_rejected: 'array',
      parameters: 'object',
      nodes: 'array',
      total_reward: 'string',
      withheld: 'string',
    });
  },
};

/**
 * Why `body` is not the public document of that kind as verification reads it (`an epoch: state
 * is missing, expected string`), or null when it has every field verification reads.
 */
export function publishedDocumentIssue(kind: PublishedDocument, body: unknown): string | null {
  return SHAPES[kind](body);
}
