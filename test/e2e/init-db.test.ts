import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { POSTGRES_URL, scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { MIGRATIONS, SETTINGS as DECLARED, owedInProcess, readJson, seed } from './helpers.js';
import { parseTarget, type DatabaseTarget } from '../../src/storage/target.js';

/** Runs raw SQL against a scratch database (to fake an older or newer schema). */
async function withKnex<T>(target: DatabaseTarget, work: (knex: Knex) => Promise<T>): Promise<T> {
  const knex = target.engine === 'sqlite'
    ? knexFactory({ client: 'better-sqlite3', connection: { filename: target.location }, useNullAsDefault: true })
    : knexFactory({ client: 'pg', connection: target.location, pool: { min: 0, max: 1 } });
  try {
    return await work(knex);
  } finally {
    await knex.destroy();
  }
}

const NAMES = MIGRATIONS.map((m) => m.name);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
// The Foundation's settings, and any declared since (the seed must hold every declared one).
const SETTINGS = DECLARED.map((d) => d.key);
for (const key of ['currency.base', 'terms', 'terms.default', 'aging.buckets', 'tax.rates', 'tax.default_rate', 'credit.block_overdue_days', 'stock.allow_backorder']) {
  if (!SETTINGS.includes(key)) throw new Error(`setting ${key} of the Foundation is no longer declared`);
}

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  const extra: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    db = await scratchDatabase(engine);
  });
  afterEach(async () => {
    for (const cleanup of extra.splice(0)) await cleanup();
    await db.drop();
  });

  /** Makes the scratch database exist but hold nothing (PostgreSQL databases already do). */
  function createEmpty(): void {
    if (engine === 'sqlite') fs.writeFileSync(db.dbArg, '');
  }

  it('init creates and seeds the book (result on stdout, notes on stderr, the acting user is admin); a second init changes nothing', async () => {
    const first = await owed(['--db', db.dbArg, 'init']);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${db.target.display}\n`);
    expect(first.stderr).toBe(
      `applied migrations: ${NAMES.join(', ')}\n` +
        `seeded ${SETTINGS.length} default settings (owed settings list)\n` +
        "tester is the book's admin\n",
    );
    const settings = await readJson<{ key: string }[]>(db.dbArg, 'settings', 'list');
    expect(settings.map((s) => s.key)).toEqual(SETTINGS);

    const before = await snapshot(db.target);
    const again = await owed(['--db', db.dbArg, 'init', '--json'], { env: { OWED_USER: 'someone.else' } });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      database: db.target.display,
      migrated: [],
      settings_seeded: [],
      admin_created: null,
    });
    expect(again.stderr).toBe('');
    expect(await snapshot(db.target)).toBe(before);
    // someone.else got nothing from running init on an existing book.
    const users = await readJson<{ name: string; role: string; created_at: string }[]>(db.dbArg, 'user', 'list');
    expect(users).toEqual([{ name: 'tester', role: 'admin', created_at: expect.stringMatching(ISO_TIME) }]);
  });

  it('init --json on a new book names what it did', async () => {
    // In-process: the binary's --json output is checked on the second init above.
    const r = await owedInProcess(['--db', db.dbArg, 'init', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      database: db.target.display,
      migrated: NAMES,
      settings_seeded: SETTINGS,
      admin_created: 'tester',
    });
  });

  it('db status --json lists the applied migrations after init', async () => {
    await seed(db.dbArg, ['init']);
    const json = await owed(['--db', db.dbArg, 'db', 'status', '--json']);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual(
      NAMES.map((name) => ({ migration: name, state: 'applied', applied_at: expect.stringMatching(ISO_TIME) })),
    );
  });

  it('a book from an older owed (all but the last migration applied) exits 7 with the fix, and db migrate brings it up to date', async () => {
    const older = MIGRATIONS.slice(0, -1);
    createEmpty();
    await withKnex(db.target, (knex) =>
      knex.migrate.latest({
        migrationSource: {
          getMigrations: async () => [...older],
          getMigrationName: (m: (typeof older)[number]) => m.name,
          getMigration: async (m: (typeof older)[number]) => m,
        },
      }));
    const status = await owed(['--db', db.dbArg, 'db', 'status', '--json']);
    expect(status.code).toBe(0);
    expect((JSON.parse(status.stdout) as { migration: string; state: string }[]).map((r) => [r.migration, r.state])).toEqual(
      NAMES.map((name, i) => [name, i < older.length ? 'applied' : 'pending']),
    );
    expect(status.stderr).toContain('owed db migrate');

    const before = await snapshot(db.target);
    const r = await owed(['--db', db.dbArg, 'customer', 'list']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('');
    // With a single migration an older book is an uninitialised one, which init sets up.
    expect(r.stderr).toContain(older.length > 0 ? 'run `owed db migrate`' : 'run `owed init`');
    expect(await snapshot(db.target)).toBe(before);

    const migrate = await owed(['--db', db.dbArg, 'db', 'migrate']);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toBe(`${NAMES[NAMES.length - 1]}\n`);
    expect(migrate.stderr).toBe('applied 1 migration\n');
    expect(await readJson(db.dbArg, 'db', 'migrate')).toEqual({ applied: [] });
    expect((await readJson<{ state: string }[]>(db.dbArg, 'db', 'status')).map((m) => m.state)).toEqual(NAMES.map(() => 'applied'));
  });

  it('a database migrated by a newer owed exits 7 on every command and writes nothing', async () => {
    await seed(db.dbArg, ['init']);
    await withKnex(db.target, (knex) =>
      knex('knex_migrations').insert({ name: '9999_from_the_future', batch: 99, migration_time: new Date().toISOString() }));

    expect(await readJson(db.dbArg, 'db', 'status')).toContainEqual({ migration: '9999_from_the_future', state: 'unknown (newer owed)', applied_at: null });

    const before = await snapshot(db.target);
    const r = await owed(['--db', db.dbArg, 'customer', 'add', 'C001', '--name', 'X']);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('9999_from_the_future');
    expect(r.stderr).toMatch(/upgrade owed/);
    expect(await snapshot(db.target)).toBe(before);
  });

  it('a command on a database that does not exist exits 7 naming owed init, and creates nothing', async () => {
    let missing: string;
    let display: string;
    if (engine === 'sqlite') {
      missing = path.join(path.dirname(db.dbArg), 'no-such-dir', 'missing.sqlite');
      display = missing;
    } else {
      const url = new URL(POSTGRES_URL!);
      url.pathname = `/owed_t_missing_${randomBytes(6).toString('hex')}`;
      missing = url.toString();
      display = url.pathname.slice(1);
    }
    for (const args of [['customer', 'add', 'C001', '--name', 'X']]) {
      const r = await owed(['--db', missing, ...args]);
      expect(r.code, args.join(' ')).toBe(7);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(display);
      expect(r.stderr).toContain('owed init');
    }
    if (engine === 'sqlite') {
      expect(fs.existsSync(path.dirname(missing))).toBe(false);
    } else {
      const name = new URL(missing).pathname.slice(1);
      const found = await withKnex(parseTarget(POSTGRES_URL!), (knex) => knex.raw('select 1 from pg_database where datname = ?', [name]));
      expect((found as { rows: unknown[] }).rows).toHaveLength(0);
    }
  });

  it('init creates a missing --db (a SQLite file in missing directories, a PostgreSQL database)', async () => {
    let fresh: string;
    if (engine === 'sqlite') {
      fresh = path.join(path.dirname(db.dbArg), 'new', 'deeper', 'book.sqlite');
    } else {
      const url = new URL(POSTGRES_URL!);
      const name = `owed_t_new_${randomBytes(6).toString('hex')}`;
      url.pathname = `/${name}`;
      fresh = url.toString();
      extra.push(() => withKnex(parseTarget(POSTGRES_URL!), async (knex) => {
        await knex.raw('drop database if exists ?? with (force)', [name]);
      }));
    }
    const r = await owed(['--db', fresh, 'init']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${parseTarget(fresh).display}\n`);
    if (engine === 'sqlite') expect(fs.existsSync(fresh)).toBe(true);
    await seed(fresh, ['customer', 'add', 'C001', '--name', 'Acme']);
    expect(await readJson(fresh, 'customer', 'list')).toMatchObject([{ code: 'C001', name: 'Acme' }]);
  });
});

describe('an unreachable PostgreSQL server', () => {
  const DEAD = 'postgres://postgres@127.0.0.1:1/x';

  it.each([
    [['init']],
    [['customer', 'list']],
  ])('%j exits 7 within a few seconds', async (args) => {
    const started = Date.now();
    const r = await owed(['--db', DEAD, ...args]);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^owed: cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/x/);
  });
});
