import { Command, Option } from 'commander';
import { createApiKey, ROLES } from '../../coordinator/auth/keys.ts';
import { toIso } from '../../core/time.ts';
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

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage API keys');

  const create = new Command('create')
    .description('create an API key; the key is printed once, alone on the last line')
    .addOption(
      new Option('--role <role>', 'what the key may do').choices(ROLES as string[]).makeOptionMandatory(),
    )
    .option('--label <text>', 'a note saying who or what holds the key');
  databaseUrlOption(create).action(async (opts: { role: Role; label?: string; databaseUrl?: string }) => {
    await withStore(create, opts.databaseUrl, async (store) => {
      const created = await createApiKey(store.db, opts.role, opts.label ?? null);
      console.log(
        `created ${created.role} key ${created.id} (${created.prefix}…); store it now, it is not shown again:`,
      );
      console.log(created.key);
    });
  });

  const list = new Command('list').description('list API keys (prefixes only; keys are stored hashed)');
  databaseUrlOption(list).action(async (opts: { databaseUrl?: string }) => {
    await withStore(list, opts.databaseUrl, async (store) => {
      const rows = await store.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
      for (const r of rows) {
        const state = r.revoked_at === null ? 'active' : `revoked ${toIso(r.revoked_at)}`;
        console.log(`${r.id}  ${r.prefix}…  ${r.role.padEnd(8)}  ${state.padEnd(8)}  ${r.label ?? ''}`);
      }
    });
  });

  const revoke = new Command('revoke')
    .description('revoke an API key by id or prefix')
    .argument('<id-or-prefix>');
  databaseUrlOption(revoke).action(async (which: string, opts: { databaseUrl?: string }) => {
    await withStore(revoke, opts.databaseUrl, async (store) => {
      const result = await store.db
        .updateTable('api_keys')
        .set({ revoked_at: Date.now() })
        .where((eb) => eb.or([eb('id', '=', which), eb('prefix', '=', which)]))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) throw new Error(`no active key with id or prefix ${which}`);
      console.log(`revoked ${which}`);
    });
  });

  return keys.addCommand(create).addCommand(list).addCommand(revoke);
}
