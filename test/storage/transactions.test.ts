import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { addCustomer } from '../../src/domain/customers/add-customer.js';
import { DatabaseError, NotFoundError, RefusedError, ValidationError } from '../../src/domain/errors.js';
import { initialiseBook } from '../../src/domain/initialise.js';
import { addProduct } from '../../src/domain/products/add-product.js';
import { setSetting } from '../../src/domain/settings/set-setting.js';
import { adjustStock, receiveStock } from '../../src/domain/stock/move-stock.js';
import type { Store } from '../../src/domain/store.js';
import { Database } from '../../src/storage/database.js';
import { translateDriverError } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { createStore } from '../../src/storage/store.js';
import { parseTarget } from '../../src/storage/target.js';
import { snapshot } from '../support/cli.js';
import { POSTGRES_URL, testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TODAY = '2026-11-27';
const NOW = '2026-11-27T10:00:00.000Z';
const HOLD_MS = 700;

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
}

/** Resolves with the child's stdout once it contains `marker`. */
function waitForOutput(child: ChildProcess, marker: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes(marker)) resolve();
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before "${marker}": ${err}`)));
  });
}

/** Everything the child writes to stdout, as read so far. */
function collect(child: ChildProcess): () => string {
  let out = '';
  child.stdout!.on('data', (d: string | Buffer) => (out += String(d)));
  return () => out;
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

/** A PostgreSQL URL on the test server naming a database that does not exist (yet). */
function missingPostgresUrl(): { url: string; name: string } {
  const name = `owed_t_missing_${randomBytes(5).toString('hex')}`;
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

async function postgresDatabaseExists(name: string): Promise<boolean> {
  const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
  try {
    const found: { rows: unknown[] } = await admin.raw('select 1 from pg_database where datname = ?', [name]);
    return found.rows.length === 1;
  } finally {
    await admin.destroy();
  }
}

async function dropPostgresDatabase(name: string): Promise<void> {
  const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('drop database if exists ?? with (force)', [name]);
  } finally {
    await admin.destroy();
  }
}

describe.each(testEngines())('%s', (engine) => {
  describe('transactions on a book', () => {
    let scratch: ScratchDatabase;
    let db: Database;

    beforeEach(async () => {
      ({ scratch, db } = await migratedBook(engine));
      await db.transaction((q) =>
        initialiseBook(createStore(q, { user: 'alice', command: 'init', now: NOW }), { user: 'alice', role: 'admin', today: TODAY, now: NOW }));
    });

    afterEach(async () => {
      await db.close();
      await scratch.drop();
    });

    function as<T>(database: Database, work: (store: Store, actor: Actor) => Promise<T>): Promise<T> {
      return database.transaction(async (q) => {
        const store = createStore(q, { user: 'alice', command: 'test', now: NOW });
        return work(store, { user: 'alice', role: 'admin', today: TODAY, now: NOW });
      });
    }

    it('an error thrown inside db.transaction rolls back every write and comes out unchanged', async () => {
      const before = await snapshot(scratch.target);
      const boom = new Error('boom after writing');
      const error = await failure(as(db, async (store, actor) => {
        await addCustomer(store, actor, 'C001', { name: '上海华美贸易有限公司', creditLimit: '50000' });
        await setSetting(store, actor, 'terms.default', 'NET60');
        await addProduct(store, actor, 'W-1', { name: 'Widget', price: '1' });
        await receiveStock(store, actor, { sku: 'W-1', quantity: '10', reference: 'GRN-1' });
        await adjustStock(store, actor, { sku: 'W-1', quantity: '-2', reason: 'damage' });
        // Visible inside the transaction…
        expect((await store.customers.find('C001'))!.name).toBe('上海华美贸易有限公司');
        expect((await store.stock.levels({ sku: 'W-1' }))[0]!.onHand).toBe(8);
        throw boom;
      }));
      expect(error).toBe(boom);
      // …and gone after it.
      expect(await snapshot(scratch.target)).toBe(before);
      expect(await as(db, (store) => store.customers.find('C001'))).toBeUndefined();
    });

    it('a domain error thrown midway rolls back the writes before it and keeps its class', async () => {
      await as(db, (store, actor) => addProduct(store, actor, 'W-1', { name: 'Widget', price: '1' }));
      const before = await snapshot(scratch.target);
      const error = await failure(as(db, async (store, actor) => {
        await receiveStock(store, actor, { sku: 'W-1', quantity: '5' });
        await adjustStock(store, actor, { sku: 'W-1', quantity: '-6', reason: 'stocktake' });
      }));
      expect(error).toBeInstanceOf(RefusedError);
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('a driver error (unique violation) midway rolls back the writes before it; the book stays usable', async () => {
      const before = await snapshot(scratch.target);
      const error = await failure(db.transaction(async (q) => {
        await q('users').insert({ name: 'bob', role: 'sales', created_at: NOW });
        await q('users').insert({ name: 'alice', role: 'viewer', created_at: NOW });
      }));
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(DatabaseError);
      expect(await snapshot(scratch.target)).toBe(before);
      // Foreign keys are enforced on both engines (SQLite needs the pragma on every connection).
      const orphan = await failure(db.transaction(async (q) => {
        await q('users').insert({ name: 'carol', role: 'sales', created_at: NOW });
        await q('stock_moves').insert({ product_id: 424242, date: TODAY, quantity: 1, kind: 'receive', created_at: NOW, created_by: 'alice' });
      }));
      expect(orphan).toBeInstanceOf(Error);
      expect(await snapshot(scratch.target)).toBe(before);
      // Not left inside a half-open transaction: the next one commits.
      await db.transaction((q) => q('users').insert({ name: 'bob', role: 'sales', created_at: NOW }));
      expect(await db.knex('users').select('name').orderBy('name')).toEqual([{ name: 'alice' }, { name: 'bob' }]);
    });

    it('a committed transaction is visible to another connection', async () => {
      await as(db, (store, actor) => addCustomer(store, actor, 'C001', { name: 'Acme' }));
      const other = await Database.open(scratch.target, { create: false });
      try {
        const rows: { code: string }[] = await other.knex('customers').select('code');
        expect(rows).toEqual([{ code: 'C001' }]);
      } finally {
        await other.close();
      }
    });

    it('a read-only transaction reads one snapshot: what another connection commits after its first read stays unseen, so a report adds up', async () => {
      await as(db, (store, actor) => addCustomer(store, actor, 'C001', { name: 'Acme' }));
      const other = await Database.open(scratch.target, { create: false });
      try {
        const codes = async (q: Knex) => ((await q('customers').select('code').orderBy('code')) as { code: string }[]).map((r) => r.code);
        const seen = await db.transaction(async (q) => {
          const first = await codes(q);
          await as(other, (store, actor) => addCustomer(store, actor, 'C002', { name: '北京新华' }));
          return [first, await codes(q)];
        }, { readOnly: true });
        expect(seen).toEqual([['C001'], ['C001']]);
        expect(await db.transaction((q) => codes(q), { readOnly: true })).toEqual(['C001', 'C002']);
      } finally {
        await other.close();
      }
    });

    it('domain errors whose text mentions "connect" or "timeout" pass translateDriverError unchanged', async () => {
      const refused = new RefusedError('customer INTERCONNECT already exists');
      const notFound = new NotFoundError('customer', 'TIMEOUT-1');
      const invalid = new ValidationError({ field: 'email', value: 'connect@', reason: 'is not an email address' });
      for (const error of [refused, notFound, invalid]) {
        expect(translateDriverError(error, scratch.target)).toBe(error);
      }
    });

    it('a second writer waits for the first (busy_timeout / row lock) and then succeeds instead of failing', async () => {
      if (engine === 'sqlite') {
        // busy_timeout is what makes the second writer wait.
        expect(await db.knex.raw('pragma busy_timeout')).toEqual([{ timeout: 5000 }]);
        // better-sqlite3 waits synchronously, so the lock holder must be another process.
        const child = spawn(process.execPath, ['-e', `
          const Database = require('better-sqlite3');
          const db = new Database(process.env.OWED_LOCK_FILE);
          db.pragma('busy_timeout = 5000');
          db.exec('BEGIN IMMEDIATE');
          db.prepare("insert into users (name, role, created_at) values ('holder', 'viewer', 'x')").run();
          process.stdout.write('locked\\n');
          setTimeout(() => {
            const releasing = Date.now();
            db.exec('COMMIT');
            db.close();
            process.stdout.write('released ' + releasing + '\\n');
          }, ${HOLD_MS});
        `], { cwd: ROOT, env: { ...process.env, OWED_LOCK_FILE: scratch.target.location }, stdio: ['ignore', 'pipe', 'pipe'] });
        const output = collect(child);
        await waitForOutput(child, 'locked');
        await db.transaction((q) => q('users').insert({ name: 'waiter', role: 'viewer', created_at: NOW }));
        const waiterDone = Date.now();
        expect(await exitCode(child)).toBe(0);
        const releasedAt = Number(/released (\d+)/.exec(output())?.[1]);
        // The second transaction waited for the holder's commit: it cannot have finished before it.
        expect(waiterDone).toBeGreaterThanOrEqual(releasedAt);
      } else {
        // A second Database (a second process's pool) holding the users table's rows for update.
        const holder = await Database.open(scratch.target, { create: false });
        try {
          let release!: () => void;
          const released = new Promise<void>((resolve) => (release = resolve));
          let locked!: () => void;
          const isLocked = new Promise<void>((resolve) => (locked = resolve));
          const holding = holder.transaction(async (q) => {
            await q('users').insert({ name: 'holder', role: 'viewer', created_at: 'x' });
            await q('users').where({ name: 'alice' }).forUpdate();
            locked();
            await released;
          });
          await isLocked;
          let releasedAt = Number.POSITIVE_INFINITY;
          setTimeout(() => {
            releasedAt = Date.now();
            release();
          }, HOLD_MS);
          await db.transaction(async (q) => {
            await q('users').where({ name: 'alice' }).update({ role: 'admin' });
            await q('users').insert({ name: 'waiter', role: 'viewer', created_at: NOW });
          });
          const waiterDone = Date.now();
          await holding;
          // The second transaction waited for the holder's commit: it cannot have finished before it.
          expect(waiterDone).toBeGreaterThanOrEqual(releasedAt);
        } finally {
          await holder.close();
        }
      }
      expect(await db.knex('users').select('name').orderBy('name')).toEqual([{ name: 'alice' }, { name: 'holder' }, { name: 'waiter' }]);
    });

    it('every connection has its settings, in and out of a transaction: SQLite a busy timeout and foreign keys; PostgreSQL a lock timeout and no JIT', async () => {
      const settings = async (q: typeof db.knex): Promise<unknown> => {
        if (engine === 'sqlite') {
          const [busy] = (await q.raw('pragma busy_timeout')) as Record<string, unknown>[];
          const [keys] = (await q.raw('pragma foreign_keys')) as Record<string, unknown>[];
          return { ...busy, ...keys };
        }
        const { rows } = (await q.raw("select current_setting('lock_timeout') as lock_timeout, current_setting('jit') as jit")) as { rows: unknown[] };
        return rows[0];
      };
      const expected = engine === 'sqlite' ? { timeout: 5000, foreign_keys: 1 } : { lock_timeout: '15s', jit: 'off' };
      expect(await settings(db.knex)).toEqual(expected);
      expect(await db.transaction((q) => settings(q), { readOnly: true })).toEqual(expected);
      expect(await db.transaction((q) => settings(q))).toEqual(expected);
    });

    it('exact types: BIGINT and SUM/COUNT come back as JS numbers, DATE as a YYYY-MM-DD string', async () => {
      await as(db, async (store, actor) => {
        await addProduct(store, actor, 'BIG', { name: 'Big', price: '90071992547409.91' });
        await addProduct(store, actor, 'W-1', { name: 'Widget', price: '1' });
        await receiveStock(store, actor, { sku: 'W-1', quantity: '1000000000', date: '2026-01-31' });
        await receiveStock(store, actor, { sku: 'W-1', quantity: '999999999', date: '2026-12-31' });
        await receiveStock(store, actor, { sku: 'BIG', quantity: '7', date: '2024-02-29' });
      });
      const products: { sku: string; price: unknown; on_hand: unknown }[] = await db.knex('products').select('sku', 'price', 'on_hand').orderBy('sku');
      expect(products).toEqual([
        { sku: 'BIG', price: 9007199254740991, on_hand: 7 },
        { sku: 'W-1', price: 100, on_hand: 1999999999 },
      ]);
      const [sums] = await db.knex('stock_moves').sum({ total: 'quantity' }).count({ n: '*' }).max({ latest: 'date' });
      expect(sums).toEqual({ total: 2000000006, n: 3, latest: '2026-12-31' });
      const [priceSum] = await db.knex('products').sum({ total: 'price' }).where({ sku: 'BIG' });
      expect(priceSum).toEqual({ total: 9007199254740991 });
      const dates: { date: unknown }[] = await db.knex('stock_moves').select('date').orderBy('id');
      expect(dates).toEqual([{ date: '2026-01-31' }, { date: '2026-12-31' }, { date: '2024-02-29' }]);
      // And through the repository: the replay check compares the stored date as a string.
      const earlier = await as(db, (store) => store.stock.findByReference('W-1', 'receive', 'none'));
      expect(earlier).toBeUndefined();
      await as(db, (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '1', date: '2026-03-01', reference: 'R' }));
      const found = await as(db, (store) => store.stock.findByReference('W-1', 'receive', 'R'));
      expect(found).toEqual({ sku: 'W-1', date: '2026-03-01', quantity: 1, kind: 'receive', reference: 'R', reason: null });
    });
  });

  describe('opening a database', () => {
    const cleanups: (() => Promise<void>)[] = [];

    afterEach(async () => {
      while (cleanups.length > 0) await cleanups.pop()!();
    });

    function tempDir(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owed-open-'));
      cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      return dir;
    }

    /** A book that does not exist: a SQLite file in a missing directory, or a missing PostgreSQL database. */
    function missingBook(): { target: ReturnType<typeof parseTarget>; exists: () => Promise<boolean> } {
      if (engine === 'sqlite') {
        const file = path.join(tempDir(), 'not', 'yet', 'book.sqlite');
        return { target: parseTarget(file), exists: async () => fs.existsSync(file) };
      }
      const { url, name } = missingPostgresUrl();
      cleanups.push(() => dropPostgresDatabase(name));
      return { target: parseTarget(url), exists: () => postgresDatabaseExists(name) };
    }

    it('create:false on a missing book rejects with DatabaseError (code database) and creates nothing', async () => {
      const book = missingBook();
      const error = await failure(Database.open(book.target, { create: false }));
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe('database');
      expect((error as DatabaseError).exitCode).toBe(7);
      expect((error as DatabaseError).hint).toContain('owed init');
      expect(await book.exists()).toBe(false);
      if (engine === 'sqlite') expect(fs.existsSync(path.dirname(path.dirname(book.target.location)))).toBe(false);
    });

    it('create:true on a missing book creates it (directory and file, or the PostgreSQL database) and it works', async () => {
      const book = missingBook();
      const db = await Database.open(book.target, { create: true });
      try {
        expect(await book.exists()).toBe(true);
        expect(await migrateToLatest(db.knex)).toEqual(MIGRATIONS.map((m) => m.name));
        await db.transaction((q) => q('users').insert({ name: 'alice', role: 'admin', created_at: NOW }));
        expect(await db.knex('users').select('name')).toEqual([{ name: 'alice' }]);
      } finally {
        await db.close();
      }
      // Opening again (create:true) reuses it rather than failing or recreating it.
      const again = await Database.open(book.target, { create: true });
      try {
        expect(await again.knex('users').select('name')).toEqual([{ name: 'alice' }]);
      } finally {
        await again.close();
      }
    });

    it('an unusable target rejects with DatabaseError within 7 seconds (closed port; a file or directory that is not a database)', async () => {
      const target = engine === 'sqlite'
        ? [(() => {
          const file = path.join(tempDir(), 'garbage.sqlite');
          fs.writeFileSync(file, 'this is not an SQLite database, just some text that is long enough to have a header.\n'.repeat(20));
          return parseTarget(file);
        })(), parseTarget(tempDir())]
        : [parseTarget('postgres://postgres@127.0.0.1:1/x')];
      for (const t of target) {
        for (const create of [false, true]) {
          const started = Date.now();
          const error = await failure(Database.open(t, { create }));
          expect(Date.now() - started).toBeLessThan(7000);
          expect(error).toBeInstanceOf(DatabaseError);
          expect((error as DatabaseError).exitCode).toBe(7);
        }
      }
    });

    it('create:true where the directory cannot be created (SQLite) or the server refuses (PostgreSQL) is a DatabaseError', async () => {
      const target = engine === 'sqlite'
        ? (() => {
          const dir = tempDir();
          fs.writeFileSync(path.join(dir, 'a-file'), 'x');
          return parseTarget(path.join(dir, 'a-file', 'sub', 'book.sqlite'));
        })()
        : parseTarget('postgres://postgres@127.0.0.1:1/owed_never');
      const error = await failure(Database.open(target, { create: true }));
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe('database');
    });
  });
});
