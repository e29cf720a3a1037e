import { afterEach, describe, expect, it } from 'vitest';
import { exportPublicKey, generateKeyPair } from '../../src/core/crypto/index.ts';
import {
  type NodeRegistration,
  RegistrationConflictError,
  registerNode,
  startRegistration,
} from '../../src/node-client/registration.ts';
import { createSignedClient, type SignedClient } from '../../src/node-client/signed-client.ts';
import { captureLog } from '../helpers/capture-log.ts';
import { eventually } from '../helpers/eventually.ts';
import { bodyOf, type LocalServer, serve } from '../helpers/http.ts';
import { createNodeRegistry } from './support/node-registry.ts';
import { createScriptedFailures } from './support/scripted-failures.ts';

const API_KEY = 'operator-key';

describe('node registration', () => {
  const closers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c.close();
  });

  /** A coordinator that only registers nodes (its failures scripted), and a client of one node. */
  async function setup({ keys = {} }: { keys?: Record<string, string> } = {}) {
    const registry = createNodeRegistry({ apiKey: API_KEY, keys });
    const failures = createScriptedFailures<'nodes'>();
    let calls = 0;
    let hold = false;
    const server: LocalServer = await serve(async (req, res) => {
      const body = await bodyOf(req);
      calls++;
      if (hold) return; // accepted, never answered
      if (failures.answer('nodes', res)) return;
      registry.handle(req, res, body);
    });
    closers.push(server);
    const { privateKey, publicKey } = generateKeyPair();
    const client: SignedClient = createSignedClient({
      baseUrl: server.url,
      nodeId: 'node-a',
      privateKey,
      requestTimeoutMs: 1_000,
    });
    closers.push(client);
    const registration: NodeRegistration = {
      node_id: 'node-a',
      public_key: exportPublicKey(publicKey),
      endpoint: null,
      agent_url: 'http://127.0.0.1:9100',
      max_parallel: 1,
    };
    const log = captureLog();
    return {
      registry,
      failures,
      client,
      registration,
      log,
      /** Registers in the background, with quick retries. */
      start: () =>
        startRegistration({
          client,
          apiKey: API_KEY,
          publicKey: registration.public_key,
          reach: { endpoint: null, agent_url: registration.agent_url, max_parallel: 1 },
          log,
          backoff: { initialMs: 10, maxMs: 50 },
        }),
      calls: () => calls,
      holdAnswers: () => {
        hold = true;
      },
    };
  }

  it('registers once, and says so again on every start without changing anything', async () => {
    const t = await setup();
    expect(await registerNode(t.client, API_KEY, t.registration, t.log)).toBe('created');
    expect(await registerNode(t.client, API_KEY, t.registration, t.log)).toBe('existing');
    expect(t.registry.registrations).toEqual([t.registration]);
    expect(t.log.entries.map((e) => e.msg)).toEqual(['node registered', 'node already registered']);
  });

  it('leaves a registration that differs in where the node is reached, and says how to change it', async () => {
    const t = await setup();
    await registerNode(t.client, API_KEY, t.registration, t.log);
    const moved = { ...t.registration, agent_url: 'http://10.0.0.2:9100' };
    expect(await registerNode(t.client, API_KEY, moved, t.log)).toBe('existing');
    expect(t.log.entries.at(-1)).toMatchObject({
      level: 'warn',
      msg: expect.stringMatching(
        /different agent_url; left as it is \(change it with PATCH \/nodes\/node-a\)/,
      ),
    });
  });

  it('warns that peers cannot audit a node registered with neither endpoint nor agent URL', async () => {
    const t = await setup();
    const unreachable = { ...t.registration, agent_url: null };
    expect(await registerNode(t.client, API_KEY, unreachable, t.log)).toBe('created');
    expect(t.log.entries.at(-1)).toMatchObject({
      level: 'warn',
      msg: expect.stringMatching(/peers cannot audit it .* run `vigil agent` on it/),
    });
    // With an agent URL, no such warning.
    const other = await setup();
    await registerNode(other.client, API_KEY, other.registration, other.log);
    expect(other.log.entries.filter((e) => e.level === 'warn')).toEqual([]);
  });

  it('refuses a node id registered under another key', async () => {
    const t = await setup({ keys: { 'node-a': exportPublicKey(generateKeyPair().publicKey) } });
    await expect(registerNode(t.client, API_KEY, t.registration, t.log)).rejects.toBeInstanceOf(
      RegistrationConflictError,
    );
    await expect(t.start()).rejects.toThrow(/registered with another public key/);
  });

  it('keeps trying in the background while the coordinator cannot say yes yet', async () => {
    const t = await setup();
    t.failures.failNext('nodes', 2, 503, 'unavailable');
    t.failures.failNext('nodes', 1, 401, 'unauthorized');
    const registration = await t.start();
    expect(t.log.entries[0]).toMatchObject({
      level: 'warn',
      msg: expect.stringMatching(/not register the node yet/),
    });
    await eventually('registered', () => t.registry.registrations.length === 1);
    expect(t.calls()).toBe(4);
    await registration.stop();
  });

  it('ends the background attempts on a refusal for good, and says so', async () => {
    const t = await setup();
    t.failures.failNext('nodes', 1, 503, 'unavailable');
    t.failures.failNext('nodes', 1, 403, 'forbidden');
    const registration = await t.start();
    await eventually('refused', () => t.log.entries.find((e) => e.msg === 'registration refused'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.calls()).toBe(2);
    await registration.stop();
  });

  it('stop cuts an attempt in flight', async () => {
    const t = await setup();
    t.failures.failNext('nodes', 1, 503, 'unavailable');
    const registration = await t.start();
    t.holdAnswers();
    await eventually('a second attempt waiting', () => t.calls() === 2);
    const started = Date.now();
    await registration.stop();
    expect(Date.now() - started).toBeLessThan(500);
    expect(t.log.entries.some((e) => e.msg === 'registration refused')).toBe(false);
  });
});
