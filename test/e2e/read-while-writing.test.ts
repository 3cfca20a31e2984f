import knexFactory, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { owed } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';

/**
 * Reports run while another process holds the book's write lock — a large import from the morning
 * bank file, say — and see the book as it was before that write; they neither wait for it nor
 * fail. (On SQLite a writing command queues for the lock for five seconds; a report used to take
 * the same lock and failed once an import ran longer than that.)
 */
describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase | undefined;
  let writer: Knex | undefined;
  let trx: Knex.Transaction | undefined;
  afterEach(async () => {
    if (trx && !trx.isCompleted()) await trx.rollback().catch(() => undefined);
    trx = undefined;
    await writer?.destroy();
    writer = undefined;
    await db?.drop();
    db = undefined;
  });

  it('reports read the committed book while a writer holds its lock', async () => {
    db = await scratchDatabase(engine);
    const run = (...args: string[]) => owed(['--db', db!.dbArg, '--today', '2026-11-27', ...args]);
    for (const args of [
      ['init'],
      ['customer', 'add', 'C1', '--name', '读写并发有限公司'],
      ['receive', '--customer', 'C1', '--amount', '100', '--date', '2026-11-20', '--ref', 'BEFORE'],
    ]) expect((await run(...args)).code).toBe(0);

    writer = engine === 'sqlite'
      ? knexFactory({ client: 'better-sqlite3', connection: { filename: db.target.location }, useNullAsDefault: true, pool: { min: 1, max: 1 } })
      : knexFactory({ client: 'pg', connection: db.target.location, pool: { min: 1, max: 1 } });
    trx = await writer.transaction();
    if (engine === 'sqlite') await trx.raw('delete from settings where 1 = 0'); // takes SQLite's write lock
    await trx('customers').insert({ code: 'UNCOMMITTED', name: 'not yet', currency: 'CNY', terms: 'NET30', language: 'zh-CN', created_at: '2026-11-27T00:00:00Z', updated_at: '2026-11-27T00:00:00Z' });

    const aging = await run('aging', '--json');
    expect(aging.stderr).toBe('');
    expect(aging.code).toBe(0);
    expect(JSON.parse(aging.stdout).totals).toEqual([expect.objectContaining({ currency: 'CNY', unapplied: '-100.00', total: '-100.00' })]);
    const listed = await run('customer', 'list', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { code: string }[]).map((c) => c.code)).toEqual(['C1']);
    const exported = await run('export', 'receipts', '--format', 'csv');
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('BEFORE');

    await trx.rollback();
    const after = await run('customer', 'list', '--json');
    expect((JSON.parse(after.stdout) as { code: string }[]).map((c) => c.code)).toEqual(['C1']);
  }, 60_000);
});
