import type { Actor } from '../actor.js';
import { RefusedError, ValidationError, type Problem } from '../errors.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission, type Permission } from '../users/roles.js';
import type { EntityImporter, ImportContext, Prepared, SourceRow } from './importer.js';

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

  const problem = (row: SourceRow, p: Problem) => {
    if (options.partial) {
      rejected++;
      reject(row, `${p.field}: ${p.value !== undefined ? `${JSON.stringify(p.value)} ` : ''}${p.reason}`);
      return;
    }
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
    for (const o of result.outcomes) {
      if (o.outcome === 'created') created++;
      else if (o.outcome === 'updated') updated++;
      else present++;
    }
    for (const p of result.problems) problem(p.row, p.problem);
    for (const c of result.conflicts) {
      if (options.partial) {
        rejected++;
        reject(c.row, c.reason);
      } else {
        conflictCount++;
        if (conflicts.length < SHOWN) conflicts.push(`line ${c.row.line}: ${c.reason}`);
      }
    }
    batch = [];
  };

  for await (const incoming of rows) {
    read++;
    if (incoming.skipped !== undefined) {
      skipped++;
      continue;
    }
    const prepared = incoming.problems && incoming.problems.length > 0 ? [...incoming.problems] : importer.prepare(incoming.row, ctx);
    if (Array.isArray(prepared)) {
      if (options.partial) {
        rejected++;
        reject(incoming.row, prepared.map((p) => `${p.field}: ${p.value !== undefined ? `${JSON.stringify(p.value)} ` : ''}${p.reason}`).join('; '));
      } else {
        for (const p of prepared) problem(incoming.row, p);
      }
      continue;
    }
    const earlier = seen.get(prepared.key);
    if (earlier !== undefined) {
      problem(incoming.row, { row: incoming.row.line, field: importer.columns[0]!, value: prepared.key, reason: `appears twice in the file (first on line ${earlier})` });
      continue;
    }
    seen.set(prepared.key, incoming.row.line);
    // Batches are written even once the import is bound to fail: that is how checks against the
    // book (unknown customers, conflicts) reach every row; the transaction is rolled back anyway.
    batch.push({ row: incoming.row, key: prepared.key, record: prepared.record });
    if (batch.length >= BATCH) await flush();
  }
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
  const report: ImportReport = { entity: importer.entity, read, created, updated, present, skipped, rejected, problems: [], problemCount: 0, dryRun: options.dryRun, extra };
  if (options.dryRun) throw new DryRunResult(report);
  return report;
}
