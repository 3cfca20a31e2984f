import type { Actor } from '../actor.js';
import { RefusedError, ValidationError, type Problem } from '../errors.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission, type Permission } from '../users/roles.js';
import { asWritten, duplicateKey, type EntityImporter, type ImportContext, type Prepared, type SourceRow } from './importer.js';
import { RowLog } from './row-log.js';

/** Rows checked against the book and written together: one lookup per key set, a few INSERTs. */
const BATCH = 2000;
const SHOWN = 50;

export interface ImportOptions {
  readonly dryRun: boolean;
  /** Import the valid rows; hand the bad ones to `reject`. */
  readonly partial: boolean;
  /** Master data: a changed row under an existing key updates instead of conflicting. */
  readonly update: boolean;
}

export interface ImportReport {
  readonly entity: string;
  readonly read: number;
  /** Records made of several rows (orders): how many the rows formed; absent for one row per record. */
  readonly records?: number;
  readonly created: number;
  readonly updated: number;
  /** Already in the book with the same content: the import is idempotent. */
  readonly present: number;
  /** Dropped by the rules (e.g. money out on a bank statement). */
  readonly skipped: number;
  readonly rejected: number;
  readonly problems: readonly Problem[];
  readonly problemCount: number;
  readonly dryRun: boolean;
  readonly extra: Record<string, unknown>;
}

export type RejectSink = (row: SourceRow, reason: string) => void;

/** A row as it arrives from the file: its fields, or why the rules skip it, or what the mapping could not read. */
export interface IncomingRow extends SourceRow {
  readonly skipped?: string;
  /** Problems found while mapping the row (before the entity checks it). */
  readonly problems?: readonly Problem[];
}

/** Thrown to roll a dry run back after doing everything but keeping it. */
export class DryRunResult extends Error {
  constructor(readonly report: ImportReport) {
    super('dry run');
  }
}

/**
 * Streams rows into the book in batches inside the caller's transaction. All or nothing by
 * default: every row is checked, problems are counted (the first 50 kept), and any problem or
 * conflict aborts the whole import after the last row. With `partial`, bad rows go to `reject`
 * and the good ones are kept.
 *
 * A key that comes twice in the file is found within a batch by a map of that batch's keys, and
 * across batches by the book itself: the earlier row was written (or found present) by then, so
 * the importer's lookup finds it, and `claim` tells it was this file's. Nothing that grows with
 * the file is kept but the RowLog's 8 bytes per row.
 */
export async function runImport<T>(
  store: Store,
  actor: Actor,
  importer: EntityImporter<T>,
  permission: Permission,
  rows: AsyncIterable<readonly IncomingRow[]>,
  options: ImportOptions,
  reject: RejectSink,
): Promise<ImportReport> {
  requirePermission(actor.user, actor.role, permission, `import ${importer.entity}`);
  const log = new RowLog();
  const ctx: ImportContext = {
    store, actor, settings: await loadSettings(store), update: options.update, dryRun: options.dryRun,
    claim: (id, row) => log.claim(id, row.line),
  };
  const problems: Problem[] = [];
  let problemCount = 0;
  const conflicts: string[] = [];
  let conflictCount = 0;
  let read = 0;
  let created = 0;
  let updated = 0;
  let present = 0;
  let skipped = 0;
  let rejected = 0;
  // Past import.bulk_after documents, and at least as many as the book held, the rest are written
  // in bulk (ImportRepository.deferDerived): building the indexes and balances once costs less
  // than growing them row by row. A daily bank statement never is.
  const documentsBefore = importer.documents ? await store.imports.documentsIn(importer.documents) : 0;
  let deferred = false;
  let batch: Prepared<T>[] = [];
  /** This batch's keys and their lines: duplicates within a batch, before any of it is written. */
  let keys = new Map<string, number>();
  const grouped = importer.groupBy !== undefined;
  if (grouped && !importer.prepareGroup) throw new Error(`${importer.entity}: groupBy needs prepareGroup`);

  const describe = (p: Problem) => `${p.field}: ${p.value !== undefined ? `${JSON.stringify(p.value)} ` : ''}${p.reason}`;
  /** With --partial, every row of a group goes to the rejects file when one of them fails. */
  const rejectRows = (item: { row: SourceRow; rows?: readonly SourceRow[] }, reason: string) => {
    for (const r of item.rows ?? [item.row]) {
      rejected++;
      reject(r, reason);
    }
  };

  const problem = (p: Problem) => {
    problemCount++;
    // Keep the 50 earliest lines, whichever check found them. The value is copied: a slice of
    // the file's text would keep its whole chunk alive.
    problems.push(p.value === undefined ? p : { ...p, value: flat(p.value) });
    if (problems.length > SHOWN * 2) {
      problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
      problems.length = SHOWN;
    }
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const result = await importer.commit(batch, ctx);
    created += result.created;
    updated += result.updated;
    present += result.present;
    // A group is judged as a whole: its rows' problems are gathered per group.
    const byLine = grouped ? new Map(batch.flatMap((b) => (b.rows ?? [b.row]).map((r) => [r.line, b] as const))) : undefined;
    const failed = new Map<Prepared<T> | SourceRow, string[]>();
    for (const p of result.problems) {
      const written = asWritten(p.row, p.problem);
      if (!options.partial) problem(written);
      else {
        const item = byLine?.get(p.row.line) ?? p.row;
        failed.set(item, [...(failed.get(item) ?? []), describe(written)]);
      }
    }
    for (const c of result.conflicts) {
      if (options.partial) {
        const item = byLine?.get(c.row.line) ?? c.row;
        failed.set(item, [...(failed.get(item) ?? []), c.reason]);
      } else {
        conflictCount++;
        if (conflicts.length < SHOWN) conflicts.push(`line ${c.row.line}: ${c.reason}`);
      }
    }
    for (const [item, reasons] of failed) rejectRows('line' in item ? { row: item } : item, reasons.join('; '));
    batch = [];
    keys = new Map();
    if (importer.documents && !deferred && created >= ctx.settings.importBulkAfter && created >= documentsBefore) {
      deferred = await store.imports.deferDerived(importer.documents);
    }
  };

  let records = 0;
  /**
   * Checks one record (a row, or the rows of a group) and adds it to the batch; true when the
   * batch is full. Synchronous: a million rows are not a million promises.
   */
  const take = (first: IncomingRow, rows?: readonly IncomingRow[]): boolean => {
    records++;
    const mapping = rows === undefined ? first.problems : rows.some((i) => i.problems) ? rows.flatMap((i) => i.problems ?? []) : undefined;
    const checked = mapping !== undefined && mapping.length > 0
      ? mapping
      : rows !== undefined ? importer.prepareGroup!(rows, ctx) : importer.prepare(first, ctx);
    if (isProblems(checked)) {
      const found = checked.map((p) => asWritten(rows === undefined ? first : rows.find((i) => i.line === p.row) ?? first, p));
      if (options.partial) rejectRows({ row: first, rows: rows ?? [first] }, found.map(describe).join('; '));
      else for (const p of found) problem(p);
      return false;
    }
    const earlier = keys.get(checked.key);
    if (earlier !== undefined) {
      const p = duplicateKey(importer, first.line, checked.key, earlier);
      if (options.partial) rejectRows({ row: first, rows: rows ?? [first] }, describe(p));
      else problem(p);
      return false;
    }
    keys.set(checked.key, first.line);
    // Batches are written even once the import is bound to fail: that is how checks against the
    // book (unknown customers, conflicts) reach every row; the transaction is rolled back anyway.
    batch.push(rows !== undefined ? { row: first, rows, key: checked.key, record: checked.record } : { row: first, key: checked.key, record: checked.record });
    return batch.length >= BATCH;
  };

  // Rows of one group (an order's lines) are gathered until the group's value changes.
  let group: IncomingRow[] = [];
  let groupKey = '';
  for await (const chunk of rows) {
    for (const incoming of chunk) {
      read++;
      if (incoming.skipped !== undefined) {
        skipped++;
        continue;
      }
      if (!grouped) {
        if (take(incoming)) await flush();
        continue;
      }
      const key = (incoming.fields.get(importer.groupBy!) ?? '').trim();
      if (group.length > 0 && key !== groupKey) {
        if (take(group[0]!, group)) await flush();
        group = [];
      }
      groupKey = key;
      group.push(incoming);
    }
  }
  if (group.length > 0) take(group[0]!, group);
  await flush();
  if (read === 0) throw new ValidationError({ field: importer.entity, reason: 'the file has a header but no rows' });

  if (problemCount > 0) {
    problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
    problems.length = Math.min(problems.length, SHOWN);
    throw new ValidationError(
      problems,
      '--dry-run checks a file without writing; --partial --rejects FILE imports the good rows and sets the bad ones aside',
      problemCount,
    );
  }
  if (conflicts.length > 0) {
    throw new RefusedError(
      `${conflictCount} row${conflictCount === 1 ? '' : 's'} would change what the book already holds:\n  ${conflicts.join('\n  ')}`,
      options.update ? 'issued documents are never changed by an import; correct them with credit notes' : 'master data (customers, products) can be changed with --update; documents never',
    );
  }
  // A dry run is rolled back: what a bulk import defers need not be built for it.
  if (deferred && !options.dryRun) await store.imports.completeDeferred();
  const extra = !options.dryRun && importer.finish ? await importer.finish(ctx) : {};
  const report: ImportReport = { entity: importer.entity, read, ...(grouped ? { records } : {}), created, updated, present, skipped, rejected, problems: [], problemCount: 0, dryRun: options.dryRun, extra };
  if (options.dryRun) throw new DryRunResult(report);
  return report;
}

function isProblems<T>(checked: readonly Problem[] | T): checked is readonly Problem[] {
  return Array.isArray(checked);
}

/** A copy of a string that shares no memory with the text it was cut from. */
function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
