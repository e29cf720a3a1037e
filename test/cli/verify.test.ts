import { afterEach, describe, expect, it } from 'vitest';
import { exportPublicKey, publicKeyOf } from '../../src/core/crypto/ed25519.ts';
import { signSettlement } from '../../src/core/settlement/document.ts';
import { keyNamed } from '../core/crypto/keys.ts';
import {
  COORDINATOR_PUBLIC_KEY,
  type EpochFixture,
  publishSettlement,
  twoEpochs,
} from '../core/settlement/published-epoch.ts';
import { type CannedAnswer, fakeCoordinator, problem } from './fake-coordinator.ts';
import { freePort } from './net.ts';
import { lines, runVigil } from './support.ts';

/** The read API of a coordinator that recorded these epochs, as the contract shapes it. */
function answersFor(...epochs: EpochFixture[]): Record<string, CannedAnswer> {
  const answers: Record<string, CannedAnswer> = {
    '/coordinator/identity': { body: { public_key: COORDINATOR_PUBLIC_KEY } },
  };
  for (const e of epochs) {
    const n = e.epoch.epoch;
    answers[`/epochs/${n}`] = { body: e.epoch };
    answers[`/epochs/${n}/assignments`] = { body: e.assignments };
    answers[`/epochs/${n}/reports`] = { body: { epoch: n, reports: e.reports } };
    answers[`/epochs/${n}/settlement`] = { body: e.settlement };
  }
  return answers;
}

const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(answers: Record<string, CannedAnswer>) {
  const server = await fakeCoordinator(answers);
  servers.push(server);
  return server;
}

describe('vigil verify', () => {
  it('verifies a chained epoch and says which coordinator key it trusted', async () => {
    const { first, second } = twoEpochs();
    const server = await serve(answersFor(first, second));
    const result = await runVigil(['verify', '--epoch', '5', '--coordinator', server.url]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    const s = second.settlement.settlement;
    expect(out).toEqual([
      `coordinator key  ${COORDINATOR_PUBLIC_KEY} (from GET /coordinator/identity)`,
      'epoch            5',
      'members          6, groups of 3',
      'reports          6 published, 6 accepted, 0 rejected',
      `total reward     ${s.total_reward} of 1200000 (withheld ${s.withheld})`,
      `settlement hash  ${second.settlement.hash}`,
      `previous hash    ${first.settlement.hash}`,
      'verified',
    ]);
    // The chain link was read from epoch 4's own settlement.
    expect(server.requested).toContain('/epochs/4/settlement');
  });

  it('verifies the first recorded epoch against the genesis hash, with a pinned key', async () => {
    const { first } = twoEpochs();
    const answers = answersFor(first);
    delete answers['/coordinator/identity'];
    const server = await serve(answers);
    const result = await runVigil([
      'verify',
      '--epoch',
      '4',
      '--coordinator',
      `${server.url}/`,
      '--coordinator-key',
      COORDINATOR_PUBLIC_KEY,
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      ok: true,
      differences: [],
      coordinator_key: { public_key: COORDINATOR_PUBLIC_KEY, source: 'pinned' },
      summary: { epoch: 4, previous_settlement_hash: '0'.repeat(64), settlement_hash: first.settlement.hash },
    });
    expect(server.requested).not.toContain('/coordinator/identity');
  });

  it('exits 1 and names the reward a coordinator changed and re-signed', async () => {
    const { first, second } = twoEpochs();
    const settlement = structuredClone(second.settlement.settlement);
    const row = settlement.nodes.find((n) => n.node === 'echo')!;
    const original = row.reward;
    row.reward = String(BigInt(original) + 100n);
    const tampered = publishSettlement(settlement);
    second.settlement = tampered;
    second.epoch = { ...second.epoch, settlement_hash: tampered.hash };
    const server = await serve(answersFor(first, second));
    const result = await runVigil(['verify', '--epoch', '5', '--coordinator', server.url]);
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([
      `coordinator key  ${COORDINATOR_PUBLIC_KEY} (from GET /coordinator/identity)`,
      'epoch 5 does not verify: 1 difference',
      `settlement $.nodes[node=echo].reward: expected "${original}", got "${row.reward}"`,
    ]);
    expect(lines(result.stderr)).toEqual(['vigil: epoch 5 does not verify (1 difference)']);
  });

  it('exits 1 on a settlement signed by a key other than the coordinator’s', async () => {
    const { first, second } = twoEpochs();
    second.settlement = {
      ...signSettlement(second.settlement.settlement, keyNamed('mallory')),
      hash: second.settlement.hash,
    };
    const server = await serve(answersFor(first, second));
    const result = await runVigil(['verify', '--epoch', '5', '--coordinator', server.url, '--json']);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.ok).toBe(false);
    expect(json.differences).toEqual(['settlement signature: does not verify under the coordinator key']);
    expect(json.checks.map((c: { check: string }) => c.check)).toEqual([
      'signature',
      'chain',
      'groups',
      'reports',
      'settlement',
    ]);
    expect(json.checks[0].differences).toEqual([
      {
        check: 'signature',
        subject: 'settlement signature',
        line: 'settlement signature: does not verify under the coordinator key',
      },
    ]);
    expect(lines(result.stderr)).toEqual(['vigil: epoch 5 does not verify (1 difference)']);
  });

  it('catches a coordinator that serves another key than the one pinned', async () => {
    const { first, second } = twoEpochs();
    const server = await serve(answersFor(first, second));
    const other = exportPublicKey(publicKeyOf(keyNamed('mallory')));
    const result = await runVigil([
      'verify',
      '--epoch',
      '5',
      '--coordinator',
      server.url,
      '--coordinator-key',
      other,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`coordinator key  ${other} (pinned with --coordinator-key)`);
    expect(lines(result.stdout)).toContain('settlement signature: does not verify under the coordinator key');
    expect(lines(result.stdout)).toContain(
      'previous settlement signature: does not verify under the coordinator key',
    );
  });

  it('says in one line that the coordinator cannot be reached', async () => {
    const port = await freePort();
    const result = await runVigil(['verify', '--epoch', '5', '--coordinator', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      `vigil: cannot read GET /coordinator/identity from the coordinator at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it('says the epoch is not settled yet, with the coordinator’s detail and when to retry', async () => {
    const { first, second } = twoEpochs();
    const answers = answersFor(first);
    answers['/epochs/5'] = {
      body: { ...second.epoch, state: 'reporting', settlement_hash: null },
    };
    answers['/epochs/5/settlement'] = problem(
      409,
      'not-settled',
      'epoch 5 settles when its report window closes',
      {
        'retry-after': '60',
      },
    );
    const server = await serve(answers);
    const result = await runVigil(['verify', '--epoch', '5', '--coordinator', server.url]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      'vigil: epoch 5 is not settled yet (state reporting), nothing to verify: GET /epochs/5/settlement answered 409 not-settled: epoch 5 settles when its report window closes (retry after 60 s)',
    ]);
  });

  it('shows the problem detail of an epoch the coordinator does not know', async () => {
    const server = await serve(answersFor());
    const result = await runVigil([
      'verify',
      '--epoch',
      '9',
      '--coordinator',
      server.url,
      '--coordinator-key',
      COORDINATOR_PUBLIC_KEY,
    ]);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'vigil: GET /epochs/9 answered 404 not-found: nothing at /epochs/9',
    ]);
  });

  it('refuses a previous settlement that is missing when the chain names one', async () => {
    const { second } = twoEpochs();
    const server = await serve(answersFor(second));
    const result = await runVigil(['verify', '--epoch', '5', '--coordinator', server.url]);
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toContain(
      `chain: epoch 4 has no settlement (404), yet epoch 5's settlement names ${second.epoch.previous_settlement_hash} before it`,
    );
  });

  it('refuses a malformed option before reading anything, as a usage error (exit 2)', async () => {
    const result = await runVigil(['verify', '--epoch', 'five', '--coordinator', 'http://127.0.0.1:1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--epoch must be a whole number ≥ 0/);
  });
});
