import type { Knex } from 'knex';
import type { NumberSeries } from '../../domain/store.js';
import { readInteger } from './rows.js';
import { rawRows } from './raw.js';

/**
 * The counter row is created once and then incremented in place. On PostgreSQL the UPDATE takes a
 * row lock held to the end of the issuing transaction; on SQLite the transaction already holds the
 * write lock. Either way a second issuer waits, and a rolled-back issue gives its number back.
 */
export function numberSeries(q: Knex): NumberSeries {
  return {
    async next(series, year) {
      await q('number_series').insert({ series, year, last: 0 }).onConflict(['series', 'year']).ignore();
      const rows = await rawRows<{ last: unknown }>(
        q,
        'update number_series set last = last + 1 where series = ? and year = ? returning last',
        [series, year],
      );
      return readInteger(rows[0]!.last);
    },
  };
}
