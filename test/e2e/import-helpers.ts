import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Engine } from '../../src/storage/target.js';
import { owed, type CliResult } from '../support/cli.js';
import { scratchDatabase, type ScratchDatabase } from '../support/engines.js';
import { seed, tempDir } from './helpers.js';

export interface ImportBook {
  /** This test's book (a new one per test). */
  readonly db: ScratchDatabase;
  /** This test's temporary directory. */
  readonly dir: string;
  /** The built binary against this test's book. */
  cli(args: readonly string[], input?: string): Promise<CliResult>;
  /** Writes a file into the temporary directory and returns its path. */
  file(name: string, content: string | Buffer): string;
}

/**
 * For the import tests: a scratch book and a temporary directory per test, set up by `setUp`
 * (run in-process, e.g. ['init'], ['import', 'customers', …]) before each test and removed after.
 * Call inside a describe block.
 */
export function importBook(engine: Engine, prefix: string, setUp: readonly (readonly string[])[]): ImportBook {
  let db: ScratchDatabase | undefined;
  let tmp: { dir: string; remove: () => void } | undefined;
  beforeEach(async () => {
    db = await scratchDatabase(engine);
    tmp = tempDir(prefix);
    await seed(db.dbArg, ...setUp);
  });
  afterEach(async () => {
    tmp?.remove();
    await db?.drop();
  });
  return {
    get db() {
      return db!;
    },
    get dir() {
      return tmp!.dir;
    },
    cli: (args, input) => owed(['--db', db!.dbArg, ...args], input !== undefined ? { input } : {}),
    file: (name, content) => {
      const p = path.join(tmp!.dir, name);
      fs.writeFileSync(p, content);
      return p;
    },
  };
}
