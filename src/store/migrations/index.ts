import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001_initial.ts';

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
