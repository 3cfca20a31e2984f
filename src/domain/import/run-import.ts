import type { Actor } from '../actor.js';
import { RefusedError, ValidationError, type Problem } from '../errors.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission, type Permission } from '../users/roles.js';
import { asWritten, type EntityImporter, type ImportContext, type Prepared, type SourceRow } from './importer.js';

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

export interface IncomingRow {
  readonly row: SourceRow;
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
 */
export async function runImport<T>(
  store: Store,
  actor: Actor,
  importer: EntityImporter<T>,
  permission: Permission,
  rows: AsyncIterable<IncomingRow>,
  options: ImportOptions,
  reject: RejectSink,
): Promise<ImportReport> {
  requirePermission(actor.user, actor.role, permission, `import ${importer.entity}`);
  const ctx: ImportContext = { store, actor, settings: await loadSettings(store), update: options.update, dryRun: options.dryRun };
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
  const seen = new Map<string, number>();
  let batch: Prepared<T>[] = [];
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
    // Keep the 50 earliest lines, whichever check found them.
    problems.push(p);
    if (problems.length > SHOWN) {
      problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
      problems.length = SHOWN;
    }
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const result = await importer.commit(batch, ctx);
    created += result.outcomes.filter((o) => o.outcome === 'created').length;
    updated += result.outcomes.filter((o) => o.outcome === 'updated').length;
    present += result.outcomes.filter((o) => o.outcome === 'present').length;
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
  };

  let records = 0;
  const take = async (incoming: readonly IncomingRow[]) => {
    records++;
    const first = incoming[0]!;
    const mapping = incoming.flatMap((i) => i.problems ?? []);
    const checked = mapping.length > 0
      ? mapping
      : grouped ? importer.prepareGroup!(incoming.map((i) => i.row), ctx) : importer.prepare(first.row, ctx);
    const prepared = Array.isArray(checked)
      ? checked.map((p) => asWritten(incoming.find((i) => i.row.line === p.row)?.row ?? first.row, p))
      : checked;
    if (Array.isArray(prepared)) {
      if (options.partial) rejectRows({ row: first.row, rows: incoming.map((i) => i.row) }, prepared.map(describe).join('; '));
      else for (const p of prepared) problem(p);
      return;
    }
    const earlier = seen.get(prepared.key);
    if (earlier !== undefined) {
      const p: Problem = {
        row: first.row.line,
        field: importer.columns[0]!,
        value: prepared.key,
        reason: grouped
          ? `the rows of ${prepared.key} must come one after another; it already appeared on line ${earlier}`
          : `appears twice in the file (first on line ${earlier})`,
      };
      if (options.partial) rejectRows({ row: first.row, rows: incoming.map((i) => i.row) }, describe(p));
      else problem(p);
      return;
    }
    seen.set(prepared.key, first.row.line);
    // Batches are written even once the import is bound to fail: that is how checks against the
    // book (unknown customers, conflicts) reach every row; the transaction is rolled back anyway.
    batch.push({ row: first.row, ...(grouped ? { rows: incoming.map((i) => i.row) } : {}), key: prepared.key, record: prepared.record });
    if (batch.length >= BATCH) await flush();
  };

  // Rows of one group (an order's lines) are gathered until the group's value changes.
  let group: IncomingRow[] = [];
  let groupKey = '';
  for await (const incoming of rows) {
    read++;
    if (incoming.skipped !== undefined) {
      skipped++;
      continue;
    }
    if (!grouped) {
      await take([incoming]);
      continue;
    }
    const key = (incoming.row.fields.get(importer.groupBy!) ?? '').trim();
    if (group.length > 0 && key !== groupKey) {
      await take(group);
      group = [];
    }
    groupKey = key;
    group.push(incoming);
  }
  if (group.length > 0) await take(group);
  await flush();
  if (read === 0) throw new ValidationError({ field: importer.entity, reason: 'the file has a header but no rows' });

  if (problemCount > 0) {
    throw new ValidationError(
      [...problems].sort((a, b) => (a.row ?? 0) - (b.row ?? 0)),
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
  const extra = !options.dryRun && importer.finish ? await importer.finish(ctx) : {};
  const report: ImportReport = { entity: importer.entity, read, ...(grouped ? { records } : {}), created, updated, present, skipped, rejected, problems: [], problemCount: 0, dryRun: options.dryRun, extra };
  if (options.dryRun) throw new DryRunResult(report);
  return report;
}
