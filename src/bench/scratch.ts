import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import type { Engine } from '../storage/target.js';

/**
 * Scratch databases for the benchmark: a temporary SQLite file, or a PostgreSQL database
 * `owed_bench_<pid>_<name>` on the server of OWED_BENCH_PG_URL. A copy of a book (for a step
 * that writes and must start from the same book every run) is a file copy on SQLite and
 * CREATE DATABASE … TEMPLATE on PostgreSQL.
 */
export class Scratch {
  private constructor(
    readonly engine: Engine,
    /** What `--db` takes: a file or a postgres:// URL. */
    readonly location: string,
    private readonly postgresUrl: string | undefined,
  ) {}

  static async create(engine: Engine, name: string, postgresUrl: string | undefined): Promise<Scratch> {
    if (engine === 'sqlite') {
      const dir = fs.mkdtempSync(path.join(process.env.OWED_BENCH_DIR ?? os.tmpdir(), 'owed-bench-'));
      return new Scratch(engine, path.join(dir, `${name}.sqlite`), postgresUrl);
    }
    const database = `owed_bench_${process.pid}_${name}`;
    await admin(postgresUrl, async (knex) => {
      await knex.raw('drop database if exists ?? with (force)', [database]);
      await knex.raw('create database ??', [database]);
    });
    return new Scratch(engine, withDatabase(postgresUrl!, database), postgresUrl);
  }

  /** A copy of this book under another name; nothing may be connected to it meanwhile. */
  async copy(name: string): Promise<Scratch> {
    if (this.engine === 'sqlite') {
      const file = path.join(path.dirname(this.location), `${name}.sqlite`);
      // A CLI run checkpoints and removes the WAL when it closes: the main file is the whole book.
      for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
      fs.copyFileSync(this.location, file);
      return new Scratch(this.engine, file, this.postgresUrl);
    }
    const database = `owed_bench_${process.pid}_${name}`;
    const source = new URL(this.location).pathname.slice(1);
    await admin(this.postgresUrl, async (knex) => {
      await knex.raw('drop database if exists ?? with (force)', [database]);
      await knex.raw('create database ?? template ??', [database, source]);
    });
    return new Scratch(this.engine, withDatabase(this.postgresUrl!, database), this.postgresUrl);
  }

  async drop(): Promise<void> {
    if (this.engine === 'sqlite') {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(this.location + suffix, { force: true });
      const dir = path.dirname(this.location);
      if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
      return;
    }
    const database = new URL(this.location).pathname.slice(1);
    await admin(this.postgresUrl, (knex) => knex.raw('drop database if exists ?? with (force)', [database]));
  }

  /** A directory next to the book for the step's files (CSV, journals). */
  get workDir(): string {
    if (this.engine === 'sqlite') return path.dirname(this.location);
    const dir = path.join(process.env.OWED_BENCH_DIR ?? os.tmpdir(), `owed-bench-${process.pid}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(postgresUrl: string | undefined, work: (knex: ReturnType<typeof knexFactory>) => Promise<T>): Promise<T> {
  const knex = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } });
  try {
    return await work(knex);
  } finally {
    await knex.destroy();
  }
}
