import { Command } from 'commander';
import { configFor, databaseUrlOption } from '../options.ts';

export function migrateCommand(): Command {
  const cmd = new Command('migrate').description('apply pending database migrations and exit');
  databaseUrlOption(cmd).action(async (opts: { databaseUrl?: string }) => {
    const config = configFor(cmd, { database_url: opts.databaseUrl });
    const { openStore } = await import('../../store/store.ts');
    const store = openStore({ databaseUrl: config.database_url });
    try {
      const applied = await store.migrate();
      console.log(applied.length === 0 ? 'database is up to date' : `applied ${applied.join(', ')}`);
    } finally {
      await store.close();
    }
  });
  return cmd;
}
