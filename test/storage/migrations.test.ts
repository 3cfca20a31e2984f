import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { DatabaseError } from '../../src/domain/errors.js';
import { Database } from '../../src/storage/database.js';
import { assertSchemaCurrent, migrateToLatest, migrationState, rollbackAll } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BOOK_TABLES = ['audit_log', 'customers', 'products', 'settings', 'stock_moves', 'users'];

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeEach(async () => {
    scratch = await scratchDatabase(engine);
    db = await Database.open(scratch.target, { create: true });
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

  it('knows exactly one migration, 0001_foundation', () => {
    expect(MIGRATIONS.map((m) => m.name)).toEqual(['0001_foundation']);
  });

  it('migrateToLatest on an empty database applies 0001_foundation and creates the book tables', async () => {
    expect(await migrateToLatest(db.knex)).toEqual(['0001_foundation']);
    const tables = await tableNames();
    for (const table of BOOK_TABLES) expect(tables).toContain(table);
    expect(tables).toContain('knex_migrations');
  });

  it('a second migrateToLatest applies nothing', async () => {
    await migrateToLatest(db.knex);
    expect(await migrateToLatest(db.knex)).toEqual([]);
    const rows: { name: string }[] = await db.knex('knex_migrations').select('name');
    expect(rows.map((r) => r.name)).toEqual(['0001_foundation']);
  });

  it('migrationState on an empty database: nothing applied, everything pending', async () => {
    expect(await migrationState(db.knex)).toEqual({ applied: [], pending: ['0001_foundation'], unknown: [] });
  });

  it('migrationState after migrating: applied with an ISO time, nothing pending or unknown', async () => {
    await migrateToLatest(db.knex);
    const state = await migrationState(db.knex);
    expect(state.pending).toEqual([]);
    expect(state.unknown).toEqual([]);
    expect(state.applied.map((m) => m.name)).toEqual(['0001_foundation']);
    expect(state.applied[0]!.appliedAt).toMatch(ISO_INSTANT);
  });

  it('migrationState lists a migration this binary does not know as unknown', async () => {
    await migrateToLatest(db.knex);
    await db.knex('knex_migrations').insert({ name: '0099_from_the_future', batch: 2, migration_time: new Date() });
    const state = await migrationState(db.knex);
    expect(state.applied.map((m) => m.name)).toEqual(['0001_foundation']);
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

  it('assertSchemaCurrent after the only applied migration row is deleted: DatabaseError listing it as pending', async () => {
    await migrateToLatest(db.knex);
    await db.knex('knex_migrations').where({ name: '0001_foundation' }).delete();
    expect(await migrationState(db.knex)).toEqual({ applied: [], pending: ['0001_foundation'], unknown: [] });
    // With 0001 the only migration, no applied row left reads as "not initialised".
    const error = await expectDatabaseError(assertSchemaCurrent(db.knex));
    expect(error.hint).toContain('owed init');
  });

  it('assertSchemaCurrent when some but not all known migrations are applied: hint names `owed db migrate`', async () => {
    await migrateToLatest(db.knex);
    // Pretend this binary ships a second migration the database has not seen yet.
    const extra = { name: '0002_next', up: async () => undefined, down: async () => undefined };
    (MIGRATIONS as unknown as (typeof extra)[]).push(extra);
    try {
      const state = await migrationState(db.knex);
      expect(state.pending).toEqual(['0002_next']);
      const error = await expectDatabaseError(assertSchemaCurrent(db.knex));
      expect(error.message).toContain('0002_next');
      expect(error.hint).toContain('owed db migrate');
    } finally {
      (MIGRATIONS as unknown as (typeof extra)[]).pop();
    }
    expect(MIGRATIONS.map((m) => m.name)).toEqual(['0001_foundation']);
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

  it('rollbackAll drops every book table; migrateToLatest afterwards rebuilds them', async () => {
    await migrateToLatest(db.knex);
    await db.knex('settings').insert({ key: 'currency.base', value: 'USD', updated_at: 'x', updated_by: 'y' });
    await rollbackAll(db.knex);
    const afterRollback = await tableNames();
    for (const table of BOOK_TABLES) expect(afterRollback).not.toContain(table);
    expect(await migrationState(db.knex)).toEqual({ applied: [], pending: ['0001_foundation'], unknown: [] });

    expect(await migrateToLatest(db.knex)).toEqual(['0001_foundation']);
    const rebuilt = await tableNames();
    for (const table of BOOK_TABLES) expect(rebuilt).toContain(table);
    expect(await db.knex('settings').count({ n: '*' })).toEqual([{ n: 0 }]);
    await expect(assertSchemaCurrent(db.knex)).resolves.toBeUndefined();
  });
});
