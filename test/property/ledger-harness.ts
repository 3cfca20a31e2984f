/**
 * The real system of the ledger property tests: a SQLite book in a temporary file, one per run,
 * copied from a template that is migrated and seeded once. Every command runs in its own
 * transaction exactly as `withBook` runs it, so a refused command rolls back whole.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Actor } from '../../src/domain/actor.js';
import { addCustomer } from '../../src/domain/customers/add-customer.js';
import { OwedError } from '../../src/domain/errors.js';
import { initialiseBook } from '../../src/domain/initialise.js';
import { addProduct } from '../../src/domain/products/add-product.js';
import { setSetting } from '../../src/domain/settings/set-setting.js';
import type { Store } from '../../src/domain/store.js';
import { Database } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createStore } from '../../src/storage/store.js';
import { parseTarget } from '../../src/storage/target.js';
import { WINDOW_START, type MCustomer, type MProduct } from './ledger-model.js';

export const USER = 'prop';

export const CUSTOMERS: readonly MCustomer[] = [
  { code: 'ACME', currency: 'CNY' },
  { code: 'BETA', currency: 'CNY' },
  { code: 'YANK', currency: 'USD' },
];

export const PRODUCTS: readonly MProduct[] = [
  { sku: 'S13', price: 10_000, rate: 13 },
  { sku: 'S6', price: 3_333, rate: 6 },
];

export function actorOn(today: string, tick: number): Actor {
  const seconds = String(tick % 60).padStart(2, '0');
  const minutes = String(Math.floor(tick / 60) % 60).padStart(2, '0');
  return { user: USER, role: 'admin', today, now: `${today}T09:${minutes}:${seconds}.000Z` };
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export class RealBook {
  private constructor(
    readonly db: Database,
    private readonly dir: string,
  ) {}

  get target() {
    return this.db.target;
  }

  /** A fresh copy of the template, with the run's reconcile tolerance. */
  static async open(template: string, tolerance: string): Promise<RealBook> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owed-prop-'));
    const file = path.join(dir, 'book.sqlite');
    fs.copyFileSync(template, file);
    const db = await Database.open(parseTarget(file), { create: false });
    const book = new RealBook(db, dir);
    if (tolerance !== '0') {
      const set = await book.run('settings set', WINDOW_START, 0, (store, actor) => setSetting(store, actor, 'reconcile.tolerance', tolerance));
      if (!set.ok) throw new Error(`cannot set reconcile.tolerance ${tolerance}: ${describeError(set.error)}`);
    }
    return book;
  }

  /** One command, one transaction, as the CLI runs it. */
  async run<T>(command: string, today: string, tick: number, work: (store: Store, actor: Actor) => Promise<T>): Promise<Outcome<T>> {
    const actor = actorOn(today, tick);
    try {
      const value = await this.db.transaction((q) => work(createStore(q, { user: USER, command, now: actor.now }), actor));
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Reads outside any command, over the same connection. */
  reader(): Store {
    return createStore(this.db.knex, { user: USER, command: 'property-check', now: `${WINDOW_START}T00:00:00.000Z` });
  }

  /**
   * Every row of every table in a stable order, as test/support/cli.ts `snapshot` takes it, but in
   * one statement over the book's own connection: far cheaper, and it would also see a transaction
   * that was left open.
   */
  async snapshot(): Promise<string> {
    const knex = this.db.knex;
    if (this.dumpSql === undefined) {
      const tables: { name: string }[] = await knex.raw("select name from sqlite_master where type = 'table' order by name");
      const parts: string[] = [];
      for (const { name } of tables) {
        const columns: { name: string }[] = await knex.raw(`pragma table_info("${name}")`);
        const row = `json_array(${columns.map((c) => `"${c.name}"`).join(', ')})`;
        parts.push(`select '${name}' as t, (select json_group_array(r) from (select ${row} as r from "${name}" order by r)) as rows`);
      }
      this.dumpSql = parts.join(' union all ');
    }
    const rows: { t: string; rows: string }[] = await knex.raw(this.dumpSql);
    return JSON.stringify(rows);
  }

  private dumpSql: string | undefined;

  async close(): Promise<void> {
    await this.db.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Migrates and seeds one book: admin, three customers (one in USD) and two services at 13 % and 6 %. */
export async function createTemplate(): Promise<{ file: string; remove: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owed-prop-template-'));
  const file = path.join(dir, 'template.sqlite');
  const db = await Database.open(parseTarget(file), { create: true });
  try {
    await migrateToLatest(db.knex);
    const actor = actorOn(WINDOW_START, 0);
    await db.transaction(async (q) => {
      const store = createStore(q, { user: USER, command: 'init', now: actor.now });
      await initialiseBook(store, actor);
      for (const c of CUSTOMERS) await addCustomer(store, actor, c.code, { name: `Customer ${c.code}`, currency: c.currency, terms: 'NET30' });
      for (const p of PRODUCTS) {
        await addProduct(store, actor, p.sku, { name: `Service ${p.sku}`, price: (p.price / 100).toFixed(2), taxRate: String(p.rate), service: true });
      }
    });
    // Fold the WAL into the file so a plain copy carries everything.
    await db.knex.raw('pragma wal_checkpoint(TRUNCATE)');
  } finally {
    await db.close();
  }
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** 'refused' | 'invalid' | 'not_found' …, or 'bug: …' for anything that is not a typed error. */
export function errorCode(error: unknown): string {
  if (error instanceof OwedError) return error.code;
  return `bug: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
}

export function describeError(error: unknown): string {
  if (error instanceof OwedError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
}
