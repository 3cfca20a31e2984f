import { Database } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import type { Engine } from '../../src/storage/target.js';
import { scratchDatabase, type ScratchDatabase } from './engines.js';

/** A scratch database of one test, open and migrated to the latest schema: a book with no rows. */
export async function migratedBook(engine: Engine): Promise<{ scratch: ScratchDatabase; db: Database }> {
  const scratch = await scratchDatabase(engine);
  const db = await Database.open(scratch.target, { create: true });
  await migrateToLatest(db.knex);
  return { scratch, db };
}
