import type { Knex } from 'knex';

/** Rows of a raw query: node-postgres wraps them in { rows }, better-sqlite3 returns them bare. */
export async function rawRows<T>(q: Knex, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> {
  const result: unknown = await q.raw(sql, bindings as Knex.RawBinding[]);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/** The engine behind a knex instance or transaction. */
export function isPostgres(q: Knex): boolean {
  return (q.client as { config: { client: string } }).config.client === 'pg';
}

/** A table, index or constraint name as an SQL identifier, in double quotes (both engines). */
export function quotedName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
