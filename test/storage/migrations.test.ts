import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { DatabaseError } from '../../src/domain/errors.js';
import { Database } from '../../src/storage/database.js';
import { assertSchemaCurrent, migrateToLatest, migrationState, rollbackAll } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The tables 0001_foundation creates. */
const BOOK_TABLES = ['audit_log', 'customers', 'products', 'settings', 'stock_moves', 'users'];
/** Every migration this binary ships, in order (later migrations are added as the book grows). */
const ALL = MIGRATIONS.map((m) => m.name);
const LATEST = ALL[ALL.length - 1]!;

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeEach(async () => {
    scratch = await scratchDatabase(engine);
    // The scratch PostgreSQL database exists already; the SQLite file does not.
    db = await Database.open(scratch.target, { create: engine === 'sqlite' });
  });

  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  async function tableNames(): Promise<string[]> {
    if (engine === 'sqlite') {
      const rows: { name: string }[] = await db.knex.raw(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
      );
      return rows.map((r) => r.name);
    }
    const result: { rows: { name: string }[] } = await db.knex.raw(
      "select tablename as name from pg_tables where schemaname = 'public' order by tablename",
    );
    return result.rows.map((r) => r.name);
  }

  async function expectDatabaseError(promise: Promise<unknown>): Promise<DatabaseError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    const dbError = error as DatabaseError;
    expect(dbError.code).toBe('database');
    expect(dbError.exitCode).toBe(7);
    return dbError;
  }

  it('the migrations start with 0001_foundation and their names are unique and in order', () => {
    expect(ALL[0]).toBe('0001_foundation');
    expect(new Set(ALL).size).toBe(ALL.length);
    expect([...ALL].sort()).toEqual(ALL);
  });

  it('migrateToLatest on an empty database applies 0001_foundation (and every later migration) and creates the book tables', async () => {
    expect(await migrateToLatest(db.knex)).toEqual(ALL);
    const tables = await tableNames();
    for (const table of BOOK_TABLES) expect(tables).toContain(table);
    expect(tables).toContain('knex_migrations');
  });

  it('a second migrateToLatest applies nothing', async () => {
    await migrateToLatest(db.knex);
    expect(await migrateToLatest(db.knex)).toEqual([]);
    const rows: { name: string }[] = await db.knex('knex_migrations').select('name').orderBy('id');
    expect(rows.map((r) => r.name)).toEqual(ALL);
  });

  it('migrationState on an empty database: nothing applied, everything pending', async () => {
    expect(await migrationState(db.knex)).toEqual({ applied: [], pending: ALL, unknown: [] });
  });

  it('migrationState after migrating: applied with an ISO time, nothing pending or unknown', async () => {
    await migrateToLatest(db.knex);
    const state = await migrationState(db.knex);
    expect(state.pending).toEqual([]);
    expect(state.unknown).toEqual([]);
    expect(state.applied.map((m) => m.name)).toEqual(ALL);
    for (const m of state.applied) expect(m.appliedAt).toMatch(ISO_INSTANT);
  });

  it('migrationState lists a migration this binary does not know as unknown', async () => {
    await migrateToLatest(db.knex);
    await db.knex('knex_migrations').insert({ name: '0099_from_the_future', batch: 2, migration_time: new Date() });
    const state = await migrationState(db.knex);
    expect(state.applied.map((m) => m.name)).toEqual(ALL);
    expect(state.pending).toEqual([]);
    expect(state.unknown).toEqual(['0099_from_the_future']);
  });

  it('assertSchemaCurrent passes on a migrated database', async () => {
    await migrateToLatest(db.knex);
    await expect(assertSchemaCurrent(db.knex)).resolves.toBeUndefined();
  });

  it('assertSchemaCurrent on an empty database: DatabaseError, exit 7, hint names `owed init`', async () => {
    const error = await expectDatabaseError(assertSchemaCurrent(db.knex));
    expect(error.message).toBe('this database has not been initialised');
    expect(error.hint).toContain('owed init');
  });

  it('assertSchemaCurrent when the latest migration row is deleted (a binary newer than the database): DatabaseError', async () => {
    await migrateToLatest(db.knex);
    await db.knex('knex_migrations').where({ name: LATEST }).delete();
    const state = await migrationState(db.knex);
    expect(state.pending).toEqual([LATEST]);
    expect(state.applied.map((m) => m.name)).toEqual(ALL.slice(0, -1));
    const error = await expectDatabaseError(assertSchemaCurrent(db.knex));
    if (ALL.length > 1) {
      expect(error.message).toContain(LATEST);
      expect(error.hint).toContain('owed db migrate');
    } else {
      // With a single migration, no applied row left reads as "not initialised".
      expect(error.hint).toContain('owed init');
    }
  });

  it('assertSchemaCurrent when some but not all known migrations are applied: hint names `owed db migrate`', async () => {
    await migrateToLatest(db.knex);
    // Pretend this binary ships a second migration the database has not seen yet.
    const extra = { name: '9000_next', up: async () => undefined, down: async () => undefined };
    (MIGRATIONS as unknown as (typeof extra)[]).push(extra);
    try {
      const state = await migrationState(db.knex);
      expect(state.pending).toEqual(['9000_next']);
      const error = await expectDatabaseError(assertSchemaCurrent(db.knex));
      expect(error.message).toContain('9000_next');
      expect(error.hint).toContain('owed db migrate');
    } finally {
      (MIGRATIONS as unknown as (typeof extra)[]).pop();
    }
    expect(MIGRATIONS.map((m) => m.name)).toEqual(ALL);
  });

  it('migrateToLatest applies just the pending migration, after which the schema is current', async () => {
    await migrateToLatest(db.knex);
    const extra = {
      name: '9000_next',
      up: async (knex: typeof db.knex) => knex.schema.createTable('zz_probe', (t) => t.integer('n')),
      down: async (knex: typeof db.knex) => knex.schema.dropTable('zz_probe'),
    };
    (MIGRATIONS as unknown as (typeof extra)[]).push(extra);
    try {
      expect(await migrateToLatest(db.knex)).toEqual(['9000_next']);
      expect(await tableNames()).toContain('zz_probe');
      await expect(assertSchemaCurrent(db.knex)).resolves.toBeUndefined();
      expect((await migrationState(db.knex)).applied.map((m) => m.name)).toEqual([...ALL, '9000_next']);
    } finally {
      (MIGRATIONS as unknown as (typeof extra)[]).pop();
    }
  });

  it('assertSchemaCurrent when knex_migrations holds an unknown name: refuses, saying a newer owed migrated it', async () => {
    await migrateToLatest(db.knex);
    await db.knex('knex_migrations').insert({ name: '0099_from_the_future', batch: 2, migration_time: new Date() });
    const error = await expectDatabaseError(assertSchemaCurrent(db.knex));
    expect(error.message).toContain('newer owed');
    expect(error.message).toContain('0099_from_the_future');
    expect(error.hint).toContain('upgrade owed');
  });

  it('migrateToLatest on a database migrated by a newer owed refuses with DatabaseError (exit 7), not a raw knex error', async () => {
    // `owed init` and `owed db migrate` both call migrateToLatest first: on a book a newer owed
    // migrated they must say so (exit 7) instead of crashing with knex's "migration directory is
    // corrupt" (exit 1, "please report a bug").
    await migrateToLatest(db.knex);
    await db.knex('knex_migrations').insert({ name: '0099_from_the_future', batch: 2, migration_time: new Date() });
    const error = await expectDatabaseError(migrateToLatest(db.knex));
    expect(error.message).toContain('0099_from_the_future');
  });

  it('the statement\'s indexes carry every column its entries query reads (PostgreSQL: the id too, as INCLUDE)', async () => {
    await migrateToLatest(db.knex);
    const definitions = engine === 'sqlite'
      ? ((await db.knex.raw("select name, sql as def from sqlite_master where name in ('invoices_customer_statement', 'receipts_customer_statement') order by name")) as { name: string; def: string }[])
      : ((await db.knex.raw("select indexname as name, indexdef as def from pg_indexes where indexname in ('invoices_customer_statement', 'receipts_customer_statement') order by indexname")) as { rows: { name: string; def: string }[] }).rows;
    const columns = definitions.map((d) => [d.name, d.def.replace(/.*?\(/, '(').replace(/[()"]/g, '').replace(/ include /i, ', ').split(',').map((c) => c.trim())]);
    // SQLite keeps the rowid (the id) in every index.
    const id = engine === 'sqlite' ? [] : ['id'];
    expect(columns).toEqual([
      ['invoices_customer_statement', ['customer_id', 'issue_date', 'kind', 'currency', 'total', 'number', 'external_ref', ...id]],
      ['receipts_customer_statement', ['customer_id', 'receipt_date', 'currency', 'amount', 'number', 'bank_ref', ...id]],
    ]);
  });

  it('rollbackAll drops every book table; migrateToLatest afterwards rebuilds them', async () => {
    await migrateToLatest(db.knex);
    await db.knex('settings').insert({ key: 'currency.base', value: 'USD', updated_at: 'x', updated_by: 'y' });
    await rollbackAll(db.knex);
    const afterRollback = await tableNames();
    for (const table of BOOK_TABLES) expect(afterRollback).not.toContain(table);
    expect(await migrationState(db.knex)).toEqual({ applied: [], pending: ALL, unknown: [] });

    expect(await migrateToLatest(db.knex)).toEqual(ALL);
    const rebuilt = await tableNames();
    for (const table of BOOK_TABLES) expect(rebuilt).toContain(table);
    expect(await db.knex('settings').count({ n: '*' })).toEqual([{ n: 0 }]);
    await expect(assertSchemaCurrent(db.knex)).resolves.toBeUndefined();
  });
});
