import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { ExitWith } from '../cli/exit-with.js';
import { withDatabase } from '../cli/book.js';
import { emitListing, note, writeResult } from '../cli/output.js';
import { renderJson } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { initialiseBook, type InitialiseResult } from '../domain/initialise.js';
import type { Database } from '../storage/database.js';
import { assertSchemaCurrent, migrateToLatest, migrationState } from '../storage/migrate.js';
import { checkIntegrity } from '../storage/integrity.js';
import { createStore } from '../storage/store.js';

export interface BookSetup extends InitialiseResult {
  readonly migrated: readonly string[];
}

/** Migrates and seeds: what init does, and what demo does before loading its data. */
export async function setUpBook(rt: Runtime, db: Database): Promise<BookSetup> {
  const migrated = await migrateToLatest(db.knex);
  const seeded = await db.transaction((q) =>
    initialiseBook(createStore(q, { user: rt.user, command: rt.command, now: rt.now }), {
      user: rt.user,
      role: 'admin',
      today: rt.today,
      now: rt.now,
    }));
  return { migrated, ...seeded };
}

export function registerInit(program: Command, io: Io): void {
  program
    .command('init')
    .description('create the book (SQLite file or PostgreSQL database), migrate it and seed default settings; safe to run again')
    .addHelpText('after', `
Examples:
  $ owed init                                   # ~/.local/share/owed/owed.sqlite
  $ owed init --db ./books/2026.sqlite
  $ owed init --db postgres://owed@db.internal/owed`)
    .action(action(io, async (rt) => {
      const setup = await withDatabase(rt, true, (db) => setUpBook(rt, db));
      if (rt.format === 'json') {
        writeResult(rt, renderJson({ database: rt.target.display, migrated: setup.migrated, settings_seeded: setup.settingsSeeded, admin_created: setup.adminCreated }));
        return;
      }
      writeResult(rt, `${rt.target.display}\n`);
      note(rt, setup.migrated.length > 0 ? `applied migrations: ${setup.migrated.join(', ')}` : 'schema already up to date');
      if (setup.settingsSeeded.length > 0) note(rt, `seeded ${setup.settingsSeeded.length} default settings (owed settings list)`);
      if (setup.adminCreated !== null) note(rt, `${setup.adminCreated} is the book's admin`);
    }));

  const db = program.command('db').description('the database schema')
    .addHelpText('after', `\nExamples:\n  $ owed db status\n  $ owed db migrate\n  $ owed db check`);

  db.command('migrate')
    .description('apply pending migrations (after upgrading owed)')
    .addHelpText('after', `
Example:
  $ owed db migrate --db postgres://owed@db.internal/owed`)
    .action(action(io, async (rt) => {
      const applied = await withDatabase(rt, false, (database) => migrateToLatest(database.knex));
      writeResult(rt, rt.format === 'json' ? renderJson({ applied }) : applied.map((m) => `${m}\n`).join(''));
      note(rt, applied.length > 0 ? `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}` : 'schema already up to date');
    }));

  db.command('status')
    .description('applied and pending migrations')
    .addHelpText('after', `
Example:
  $ owed db status`)
    .action(action(io, async (rt) => {
      const state = await withDatabase(rt, false, (database) => migrationState(database.knex));
      emitListing(rt, {
        title: rt.target.display,
        columns: [
          { key: 'migration', header: 'Migration' },
          { key: 'state', header: 'State' },
          { key: 'applied_at', header: 'Applied at' },
        ],
        rows: [
          ...state.applied.map((m) => ({ migration: m.name, state: 'applied', applied_at: m.appliedAt })),
          ...state.pending.map((name) => ({ migration: name, state: 'pending', applied_at: null })),
          ...state.unknown.map((name) => ({ migration: name, state: 'unknown (newer owed)', applied_at: null })),
        ],
      });
      if (state.applied.length === 0) note(rt, 'this book is not initialised: run `owed init`');
      else if (state.pending.length > 0) note(rt, 'run `owed db migrate` to apply the pending migrations');
    }));

  db.command('check')
    .description("check the whole book against the ledger's invariants (exit 1 if it breaks one)")
    .addHelpText('after', `
Every invoice within its total and every receipt and credit note within its amount on every date,
reversed receipts released, write-offs applied whole, nothing applied before its documents exist,
and the running balances the reports read equal to what the documents say. Read-only.

Examples:
  $ owed db check
  $ owed db check --json     # from cron: exit 1 and the broken rules when the book is inconsistent`)
    .action(action(io, async (rt) => {
      const checks = await withDatabase(rt, false, async (database) => {
        await assertSchemaCurrent(database.knex);
        return checkIntegrity(database.knex);
      });
      emitListing(rt, {
        title: `${rt.target.display}: the ledger's invariants`,
        columns: [
          { key: 'check', header: 'Check' },
          { key: 'result', header: 'Result' },
          { key: 'problems', header: 'Problems', kind: 'integer' },
          { key: 'examples', header: 'First problems' },
          { key: 'rule', header: 'Rule' },
        ],
        rows: checks.map((c) => ({
          check: c.check,
          result: c.problems === 0 ? 'ok' : 'BROKEN',
          problems: c.problems,
          examples: c.examples.join('; '),
          rule: c.rule,
        })),
      });
      const broken = checks.filter((c) => c.problems > 0);
      if (broken.length > 0) {
        // Exit 1, as for a broken internal promise; but the cause may as well be outside owed.
        throw new ExitWith(1, `owed: the book breaks ${broken.length} of ${checks.length} checks (${broken.map((c) => c.check).join(', ')})\n`
          + 'hint: a change made to the database outside owed, an old backup restored over newer data, or a bug in owed; '
          + 'keep this output, then restore from a backup or report it');
      }
      note(rt, `all ${checks.length} checks passed`);
    }));
}
