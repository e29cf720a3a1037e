import { describe, expect, it } from 'vitest';
import { publishedDocumentIssue } from '../../../src/core/settlement/published.ts';
import { COORDINATOR_PUBLIC_KEY, twoEpochs } from './published-epoch.ts';

describe('publishedDocumentIssue', () => {
  const { first } = twoEpochs();

  it('accepts what a coordinator publishes', () => {
    expect(publishedDocumentIssue('identity', { public_key: COORDINATOR_PUBLIC_KEY })).toBeNull();
    expect(publishedDocumentIssue('epoch', first.epoch)).toBeNull();
    expect(publishedDocumentIssue('assignments', first.assignments)).toBeNull();
    expect(publishedDocumentIssue('reports', { epoch: 4, reports: first.reports })).toBeNull();
    expect(publishedDocumentIssue('settlement', first.settlement)).toBeNull();
  });

  it('names the first field that verification would read and cannot', () => {
    expect(publishedDocumentIssue('epoch', [])).toBe('an epoch: got array');
    expect(publishedDocumentIssue('epoch', { ...first.epoch, state: undefined })).toBe(
      'an epoch: state is missing, expected string',
    );
    expect(publishedDocumentIssue('identity', { public_key: 'AAAA' })).toBe(
      'an identity: public_key is not an ed25519 public key',
    );
    const members = [...first.assignments.members, { node_id: 7 }];
    expect(publishedDocumentIssue('assignments', { ...first.assignments, members })).toBe(
      `members[${members.length - 1}]: node_id is number, expected string`,
    );
    const settlement = { ...first.settlement.settlement, total_reward: 10 };
    expect(publishedDocumentIssue('settlement', { ...first.settlement, settlement })).toBe(
      'a settlement: total_reward is number, expected string',
    );
    expect(publishedDocumentIssue('reports', { epoch: 4 })).toBe(
      'a report list: reports is missing, expected array',
    );
  });
});
