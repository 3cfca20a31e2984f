import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { DatabaseError, OwedError } from '../domain/errors.js';
import { installPostgresTypeParsers } from './postgres-types.js';
import type { DatabaseTarget, Engine } from './target.js';

export interface OpenOptions {
  /** Create the SQLite file (and its directory) or the PostgreSQL database when missing. */
  readonly create: boolean;
  /** Log SQL with timings to stderr. */
  readonly debug?: boolean;
}

export interface TransactionOptions {
  /**
   * Reads only, from one snapshot of the book: no write lock on SQLite (whose read transaction
   * keeps the snapshot of its first read), READ ONLY and REPEATABLE READ on PostgreSQL, so that a
   * report's several queries (the aging's buckets and its unapplied cash) add up even while
   * another session commits between them. A read-only transaction cannot fail to serialize.
   */
  readonly readOnly?: boolean;
  /**
   * false: SQLite checks no foreign key in this transaction (PostgreSQL still does). Only for work
   * that asserts its own references set-based before it returns (reconcile auto: a million
   * allocations in plan order made the per-row check on invoices a random read each).
   */
  readonly foreignKeys?: boolean;
}

const CONNECT_TIMEOUT_MS = 5000;

// knex logs driver failures itself; owed reports them once, translated, so keep knex quiet.
const quietLog = { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined };
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const SQLITE_CACHE_KB = 65536;
const POSTGRES_LOCK_TIMEOUT = '15s';

/**
 * One open database. Every command runs its work in one `transaction`, which commits whole or not
 * at all. On SQLite a writing transaction takes the write lock up front (BEGIN IMMEDIATE) so that
 * two processes queue on busy_timeout instead of one failing when it upgrades a read lock. A
 * reading one takes no lock at all: in WAL mode it reads the book as of its first read, however
 * long a writer (a million-row import) holds the write lock meanwhile, and `query_only` turns any
 * write it attempts into an error instead of a wait for that lock.
 */
export class Database {
  private constructor(
    readonly knex: Knex,
    readonly engine: Engine,
    readonly target: DatabaseTarget,
  ) {}

  static async open(target: DatabaseTarget, options: OpenOptions): Promise<Database> {
    const knex = target.engine === 'sqlite'
      ? openSqlite(target, options)
      : await openPostgres(target, options);
    const db = new Database(knex, target.engine, target);
    if (options.debug) db.logQueries();
    await db.ping();
    return db;
  }

  async transaction<T>(work: (q: Knex) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const readOnly = options.readOnly ?? false;
    // SQLite switches foreign_keys only outside a transaction; PostgreSQL keeps its constraints.
    const unchecked = options.foreignKeys === false;
    try {
      if (this.engine === 'postgres') {
        return await this.knex.transaction((trx) => work(trx), readOnly ? { readOnly, isolationLevel: 'repeatable read' } : {});
      }
      if (readOnly) await this.knex.raw('pragma query_only = 1');
      if (unchecked) await this.knex.raw('pragma foreign_keys = off');
      try {
        await this.knex.raw(readOnly ? 'BEGIN' : 'BEGIN IMMEDIATE');
        try {
          const result = await work(this.knex);
          await this.knex.raw('COMMIT');
          return result;
        } catch (error) {
          await this.knex.raw('ROLLBACK').catch(() => undefined);
          throw error;
        }
      } finally {
        if (readOnly) await this.knex.raw('pragma query_only = 0');
        if (unchecked) await this.knex.raw('pragma foreign_keys = on');
      }
    } catch (error) {
      throw translateDriverError(error, this.target);
    }
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }

  private async ping(): Promise<void> {
    try {
      await this.knex.raw('select 1');
    } catch (error) {
      await this.knex.destroy().catch(() => undefined);
      throw translateDriverError(error, this.target);
    }
  }

  private logQueries(): void {
    const started = new Map<string, bigint>();
    this.knex.on('query', (q: { __knexQueryUid: string; sql: string }) => {
      started.set(q.__knexQueryUid, process.hrtime.bigint());
    });
    this.knex.on('query-response', (_r: unknown, q: { __knexQueryUid: string; sql: string }) => {
      const t0 = started.get(q.__knexQueryUid);
      started.delete(q.__knexQueryUid);
      const ms = t0 === undefined ? 0 : Number(process.hrtime.bigint() - t0) / 1e6;
      process.stderr.write(`[sql ${ms.toFixed(1)} ms] ${q.sql}\n`);
    });
  }
}

function openSqlite(target: DatabaseTarget, options: OpenOptions): Knex {
  const file = target.location;
  if (!fs.existsSync(file)) {
    if (!options.create) {
      throw new DatabaseError(`no database at ${file}`, 'run `owed init` to create it, or point --db / OWED_DB at an existing book');
    }
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (error) {
      throw new DatabaseError(
        `cannot create the directory for ${file}: ${(error as Error).message}`,
        'choose a --db path in a directory you can write to',
      );
    }
  }
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    log: quietLog,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) => {
        try {
          conn.pragma('journal_mode = WAL');
          conn.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
          conn.pragma('foreign_keys = ON');
          conn.pragma('synchronous = NORMAL');
          // 64 MB instead of 2 MB: reports over a large book otherwise go through read() for every page.
          // Pages are cached as they are read, so a small book never grows to this size.
          conn.pragma(`cache_size = -${SQLITE_CACHE_KB}`);
          done(null, conn);
        } catch (error) {
          done(error as Error, conn);
        }
      },
    },
  });
}

async function openPostgres(target: DatabaseTarget, options: OpenOptions): Promise<Knex> {
  await installPostgresTypeParsers();
  if (options.create) await createPostgresDatabaseIfMissing(target);
  return postgresKnex(target.location);
}

function postgresKnex(url: string): Knex {
  return knexFactory({
    client: 'pg',
    log: quietLog,
    connection: { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
    pool: {
      min: 0,
      max: 4,
      // A command never waits for ever behind another session's lock: cron must not hang.
      // No JIT: owed's queries are index seeks and short aggregations whose plans pass
      // jit_above_cost on a large book, and compiling cost more than it saved (1M invoices: the
      // aging 60-100 ms slower with it, the forecast's open invoices 56 ms of compiling in a 0.5 s
      // query, reconcile 1.4 s; db check no faster with it). work_mem stays the server's: 32 MB let
      // the aging's bucket groups stay in memory, but db check on a freshly loaded 1M book went
      // from 18-20 s to 30.7 s with it (the benchmark, three runs).
      afterCreate: (conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) => {
        conn.query(`set lock_timeout = '${POSTGRES_LOCK_TIMEOUT}'; set jit = off`, (err) => done(err, conn));
      },
    },
    acquireConnectionTimeout: CONNECT_TIMEOUT_MS + 1000,
  });
}

/** `owed init --db postgres://host/newbook` creates the database when the server allows it. */
async function createPostgresDatabaseIfMissing(target: DatabaseTarget): Promise<void> {
  const url = new URL(target.location);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) return;
  const maintenance = new URL(target.location);
  maintenance.pathname = '/postgres';
  const admin = postgresKnex(maintenance.toString());
  try {
    const found = await admin.raw('select 1 from pg_database where datname = ?', [name]);
    if (found.rows.length === 0) {
      await admin.raw('create database ??', [name]);
    }
  } catch (error) {
    const translated = translateDriverError(error, target);
    // No rights on the maintenance database: let the real connection report what is wrong.
    if (!(translated instanceof DatabaseError) || !/does not exist|permission denied/i.test(String((error as Error).message))) {
      throw translated;
    }
  } finally {
    await admin.destroy();
  }
}

interface DriverError {
  code?: string;
  message?: string;
}

/** Maps driver failures a user can act on to exit 7; anything else stays a bug. */
export function translateDriverError(error: unknown, target: DatabaseTarget): unknown {
  // Domain errors thrown inside a transaction pass through untouched, whatever their text says.
  if (!(error instanceof Error) || error instanceof OwedError) return error;
  const e = error as DriverError;
  const message = e.message ?? '';
  const code = e.code ?? '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new DatabaseError(`the database ${target.display} is locked by another process`, 'try again in a moment');
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_NOTADB' || code === 'SQLITE_READONLY' || code === 'SQLITE_CORRUPT') {
    return new DatabaseError(`cannot use ${target.display}: ${message}`, 'check the --db path and its permissions');
  }
  if (code === '55P03') {
    return new DatabaseError(`the book ${target.display} is locked by another session past the timeout`, 'try again in a moment');
  }
  const driverConnectionFailure = target.engine === 'postgres' && code === ''
    && /^(Connection terminated|timeout exceeded when trying to connect|Knex: Timeout acquiring a connection)/i.test(message);
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN'].includes(code) || driverConnectionFailure) {
    return new DatabaseError(`cannot reach PostgreSQL at ${target.display}: ${message || code}`, 'check that the server is running and the URL is right');
  }
  if (code === '3D000') {
    return new DatabaseError(`${message} (${target.display})`, 'run `owed init --db …` to create it');
  }
  if (code === '28P01' || code === '28000') {
    return new DatabaseError(`PostgreSQL refused the login: ${message}`, 'check the user and password in the URL');
  }
  if (code === '57P03' || code === '53300') {
    return new DatabaseError(`PostgreSQL is not accepting connections: ${message}`, 'try again in a moment');
  }
  return error;
}
