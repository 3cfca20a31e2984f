import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import type { DatabaseTarget, Engine } from '../../src/storage/target.js';
import { parseTarget } from '../../src/storage/target.js';

/** Set by .ci/run (scripts/test-postgres.sh); CI fails without it instead of skipping. */
export const POSTGRES_URL = process.env.OWED_TEST_PG_URL;

export function postgresRequired(): boolean {
  return process.env.CI === 'true' || process.env.OWED_REQUIRE_PG === '1';
}

/** The engines every storage and end-to-end test runs on. */
export function testEngines(): Engine[] {
  if (POSTGRES_URL) return ['sqlite', 'postgres'];
  if (postgresRequired()) throw new Error('OWED_TEST_PG_URL is not set but PostgreSQL is required (CI)');
  return ['sqlite'];
}

export interface ScratchDatabase {
  readonly target: DatabaseTarget;
  /** What to pass as --db. */
  readonly dbArg: string;
  drop(): Promise<void>;
}

/** A new, empty database of its own for one test: no test sees another's leftovers. */
export async function scratchDatabase(engine: Engine): Promise<ScratchDatabase> {
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'owed-test-'));
    const file = path.join(dir, 'book.sqlite');
    return {
      target: parseTarget(file),
      dbArg: file,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `owed_t_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('create database ??', [name]);
  } finally {
    await admin.destroy();
  }
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  return {
    target: parseTarget(url.toString()),
    dbArg: url.toString(),
    drop: async () => {
      const again = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
      try {
        await again.raw('drop database if exists ?? with (force)', [name]);
      } finally {
        await again.destroy();
      }
    },
  };
}
