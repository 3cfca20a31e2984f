import type { Actor } from '../domain/actor.js';
import type { Store } from '../domain/store.js';
import { Database } from '../storage/database.js';
import { assertSchemaCurrent } from '../storage/migrate.js';
import { createStore } from '../storage/store.js';
import type { Runtime } from './runtime.js';

/**
 * Opens the book, checks that its schema matches this binary, and runs one unit of work in one
 * transaction: it commits whole or not at all.
 */
export async function withBook<T>(rt: Runtime, work: (store: Store, actor: Actor) => Promise<T>, options: { foreignKeys?: boolean } = {}): Promise<T> {
  return inBook(rt, work, false, options.foreignKeys);
}

/**
 * As withBook, for work that only reads (reports, lists, exports): it neither waits for nor holds
 * up a command that writes — a report from cron runs while a large import is being written, and
 * sees the book as it was before it — and any write it attempted would be an error.
 */
export async function readBook<T>(rt: Runtime, work: (store: Store, actor: Actor) => Promise<T>): Promise<T> {
  return inBook(rt, work, true);
}

async function inBook<T>(rt: Runtime, work: (store: Store, actor: Actor) => Promise<T>, readOnly: boolean, foreignKeys?: boolean): Promise<T> {
  const db = await Database.open(rt.target, { create: false, debug: rt.debug });
  try {
    await assertSchemaCurrent(db.knex);
    return await db.transaction(async (q) => {
      const store = createStore(q, { user: rt.user, command: rt.command, now: rt.now });
      const user = await store.users.find(rt.user);
      const actor: Actor = { user: rt.user, role: user?.role ?? null, today: rt.today, now: rt.now };
      return work(store, actor);
    }, { readOnly, ...(foreignKeys === false ? { foreignKeys } : {}) });
  } finally {
    await db.close();
  }
}

/** For commands that manage the database itself (init, db migrate, demo). */
export async function withDatabase<T>(rt: Runtime, create: boolean, work: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(rt.target, { create, debug: rt.debug });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}
