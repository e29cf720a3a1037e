import { Command, Option } from 'commander';
import { createApiKey, ROLES, scopeProblem } from '../../coordinator/auth/keys.ts';
import { toIso } from '../../core/time.ts';
import { listApiKeys, revokeApiKey } from '../../store/repositories/api-keys.ts';
import type { Role } from '../../store/schema.ts';
import type { Store } from '../../store/store.ts';
import { configFor, databaseUrlOption } from '../options.ts';

async function withStore<T>(
  cmd: Command,
  databaseUrl: string | undefined,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const config = configFor(cmd, { database_url: databaseUrl });
  const { openStore } = await import('../../store/store.ts');
  const store = openStore({ databaseUrl: config.database_url });
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Where a node keeps its identity key unless told otherwise. */
export const DEFAULT_NODE_KEY_PATH = './data/node.key';

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage API keys');

  const create = new Command('create')
    .description('create an API key; the key is printed once, alone on the last line')
    .addOption(
      new Option('--role <role>', 'what the key may do').choices(ROLES as string[]).makeOptionMandatory(),
    )
    .option('--label <text>', 'a note saying who or what holds the key')
    .option('--node <node-id>', 'the node a node key acts as (required with --role node)')
    .option('--operator <name>', "an operator key acts only for this operator's nodes (default: every node)");
  databaseUrlOption(create).action(
    async (opts: { role: Role; label?: string; node?: string; operator?: string; databaseUrl?: string }) => {
      const scope = { node_id: opts.node ?? null, operator: opts.operator ?? null };
      const problem = scopeProblem(opts.role, scope);
      if (problem !== null) create.error(`error: ${problem}`);
      await withStore(create, opts.databaseUrl, async (store) => {
        const created = await createApiKey(store.db, opts.role, opts.label ?? null, Date.now(), scope);
        const forWhom =
          scope.node_id !== null
            ? ` for node ${scope.node_id}`
            : scope.operator !== null
              ? ` for operator ${scope.operator}`
              : '';
        console.log(
          `created ${created.role} key ${created.id} (${created.prefix}…)${forWhom}; store it now, it is not shown again:`,
        );
        console.log(created.key);
      });
    },
  );

  const list = new Command('list').description('list API keys (prefixes only; keys are stored hashed)');
  databaseUrlOption(list).action(async (opts: { databaseUrl?: string }) => {
    await withStore(list, opts.databaseUrl, async (store) => {
      const rows = await listApiKeys(store.db);
      for (const r of rows) {
        const state = r.revoked_at === null ? 'active' : `revoked ${toIso(r.revoked_at)}`;
        const scope =
          r.node_id !== null ? `node ${r.node_id}` : r.operator !== null ? `operator ${r.operator}` : '';
        console.log(
          `${r.id}  ${r.prefix}…  ${r.role.padEnd(8)}  ${state.padEnd(8)}  ${scope.padEnd(24)}  ${r.label ?? ''}`,
        );
      }
    });
  });

  const revoke = new Command('revoke')
    .description('revoke an API key by id or prefix')
    .argument('<id-or-prefix>');
  databaseUrlOption(revoke).action(async (which: string, opts: { databaseUrl?: string }) => {
    await withStore(revoke, opts.databaseUrl, async (store) => {
      if (!(await revokeApiKey(store.db, which, Date.now()))) {
        throw new Error(`no active key with id or prefix ${which}`);
      }
      console.log(`revoked ${which}`);
    });
  });

  const init = new Command('init')
    .description("create this node's ed25519 identity key (never overwrites one) and print its public key")
    .option('--key-path <file>', 'where the private key lives (mode 0600)', DEFAULT_NODE_KEY_PATH);
  init.action(async (opts: { keyPath: string }) => {
    const { loadOrCreateIdentity } = await import('../../node-client/identity.ts');
    const identity = await loadOrCreateIdentity(opts.keyPath);
    console.log(`${identity.created ? 'created' : 'found'} node key ${identity.path}`);
    if (identity.created) console.log('back it up: a node that loses its key can no longer sign for itself');
    console.log(`node id     ${identity.nodeId}`);
    console.log(`public key  ${identity.publicKey}`);
  });

  return keys.addCommand(create).addCommand(list).addCommand(revoke).addCommand(init);
}
