import {
  type ColumnMetadata,
  type DatabaseIntrospector,
  type Kysely,
  PostgresDialect,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';

/**
 * Kysely's PostgreSQL introspector reads the tables and columns of every schema in the
 * database. Several Vigil deployments (or test runs) often share one database, each in its
 * own schema; when one drops its schema while another migrates, the other's look-up fails on
 * the vanished objects ("schema … does not exist", "relation … does not exist"). This one
 * reads only the current schema, which is all the migrator asks about.
 */
export class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(
      this.#db,
    );
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{
      table: string;
      kind: string;
      schema: string;
      column: string | null;
      type: string | null;
      not_null: boolean | null;
      has_default: boolean | null;
      identity: string | null;
      default_sql: string | null;
    }>`
      select c.relname as table, c.relkind as kind, n.nspname as schema,
             a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
             a.attnotnull as not_null, a.atthasdef as has_default, a.attidentity as identity,
             pg_get_expr(d.adbin, d.adrelid) as default_sql
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      where n.nspname = current_schema() and c.relkind in ('r', 'v', 'p', 'f')
      order by c.relname, a.attnum`.execute(this.#db);
    const tables = new Map<string, TableMetadata & { columns: ColumnMetadata[] }>();
    for (const r of rows) {
      let table = tables.get(r.table);
      if (table === undefined) {
        table = {
          name: r.table,
          schema: r.schema,
          isView: r.kind === 'v',
          isForeign: r.kind === 'f',
          columns: [],
        };
        tables.set(r.table, table);
      }
      if (r.column === null) continue;
      table.columns.push({
        name: r.column,
        dataType: r.type ?? 'unknown',
        isNullable: r.not_null !== true,
        hasDefaultValue: r.has_default === true,
        isAutoIncrementing:
          r.identity !== '' && r.identity !== null ? true : (r.default_sql ?? '').startsWith('nextval('),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(): Promise<{ tables: TableMetadata[] }> {
    return { tables: await this.getTables() };
  }
}

/** Kysely's PostgreSQL dialect with the current-schema introspector. */
export class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
