import type { Kysely } from 'kysely';

// Filled in by the issue-3 work; empty migrations are harmless until then.
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}
