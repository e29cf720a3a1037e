import type { Kysely } from 'kysely';

/**
 * The dashboard's sign-ins. A row is either a `session` (a browser's cookie, made by
 * exchanging an API key) or a `link` (a one-time sign-in link, as `vigil up` prints one).
 * Both act with the role and scope of the API key they were made from, so revoking the key
 * ends them; only the token's hash is stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('web_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();
  await db.schema.createIndex('web_sessions_expires').on('web_sessions').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('web_sessions').execute();
}
