import type { Knex } from 'knex';

/**
 * SQLite: sets the connection's page cache to `kb` KiB for a bulk write (index builds sort within
 * about the cache's size again, so a smaller cache bounds the peak) and returns what puts the
 * connection's own size back.
 */
export async function setSqliteCache(knex: Knex, kb: number): Promise<() => Promise<void>> {
  const [row] = (await knex.raw('pragma cache_size')) as { cache_size: unknown }[];
  const own = Number(row!.cache_size);
  if (!Number.isSafeInteger(own)) throw new Error(`pragma cache_size gave ${String(row!.cache_size)}`);
  await knex.raw(`pragma cache_size = -${kb}`);
  return async () => {
    await knex.raw(`pragma cache_size = ${own}`);
  };
}
