import type { Problem } from '../errors.js';
import type { DocumentTable, Store } from '../store.js';
import type { Actor } from '../actor.js';
import type { CompanySettings } from '../settings/company-settings.js';
import type { FieldReader } from './mapping.js';

/** One data row of an import, with the line it came from. */
export interface SourceRow {
  readonly line: number;
  readonly values: readonly string[];
  readonly fields: FieldReader;
  /** The file's own text of fields the rules rewrote (a date read by date-format): what messages show. */
  readonly original?: FieldReader;
}

/** A problem as the user wrote the value: the file's text, not the form the rules turned it into. */
export function asWritten(row: SourceRow, problem: Problem): Problem {
  const text = row.original?.get(problem.field);
  return text === undefined || problem.value === undefined ? problem : { ...problem, value: text };
}

export interface Prepared<T> {
  /** The row, or the first row of a group (the lines of one order). */
  readonly row: SourceRow;
  /** Every row of a group; absent for importers that take one row per record. */
  readonly rows?: readonly SourceRow[];
  readonly key: string;
  readonly record: T;
}

export interface BatchResult {
  readonly created: number;
  readonly updated: number;
  /** Already in the book with the same content. */
  readonly present: number;
  /** Same key, different content: a conflict (exit 5), unless the importer may update. */
  readonly conflicts: readonly { readonly row: SourceRow; readonly reason: string }[];
  /** Rows that can only be judged against the book (an unknown customer in an invoice). */
  readonly problems: readonly { readonly row: SourceRow; readonly problem: Problem }[];
}

export interface ImportContext {
  readonly store: Store;
  readonly actor: Actor;
  readonly settings: CompanySettings;
  readonly update: boolean;
  readonly dryRun: boolean;
  /**
   * Marks the book row `id` (of the importer's own table) as matched by `row`: written, updated or
   * found already present. Returns the line of an earlier row of this file that matched the same
   * book row — the same key twice in one file — or undefined.
   */
  claim(id: number, row: SourceRow): number | undefined;
}

/**
 * What differs between entities: the columns, how a row is checked on its own, and how a batch is
 * matched against the book and written. The engine does the rest (streaming, batching, errors).
 */
export interface EntityImporter<T> {
  readonly entity: string;
  readonly columns: readonly string[];
  readonly required: readonly string[];
  /** The book table of the documents it writes: a large import may build their derived data in bulk. */
  readonly documents?: DocumentTable;
  /**
   * Records that span several rows (an order, one row per line): the field whose value groups
   * them. Rows of one group come one after another; `prepareGroup` then takes them together.
   */
  readonly groupBy?: string;
  /** Checks one row without the database; returns the record and its idempotency key, or problems. */
  prepare(row: SourceRow, ctx: ImportContext): { key: string; record: T } | Problem[];
  /** As prepare, for the rows of one group (importers with `groupBy`); problems carry their own line. */
  prepareGroup?(rows: readonly SourceRow[], ctx: ImportContext): { key: string; record: T } | Problem[];
  /** Matches a batch against what the book holds and writes what is new. */
  commit(batch: readonly Prepared<T>[], ctx: ImportContext): Promise<BatchResult>;
  /** Work after the last batch (e.g. reconcile what was imported). */
  finish?(ctx: ImportContext): Promise<Record<string, unknown>>;
}

/** The problem of a key that comes twice in one file (for grouped records: rows that are not together). */
export function duplicateKey(importer: Pick<EntityImporter<unknown>, 'columns' | 'groupBy'>, line: number, key: string, earlier: number): Problem {
  return {
    row: line,
    field: importer.columns[0]!,
    value: key,
    reason: importer.groupBy !== undefined
      ? `the rows of ${key} must come one after another; it already appeared on line ${earlier}`
      : `appears twice in the file (first on line ${earlier})`,
  };
}

/** Counts and findings of a batch, gathered by an importer's commit. */
export class BatchFindings {
  created = 0;
  updated = 0;
  present = 0;
  readonly conflicts: { row: SourceRow; reason: string }[] = [];
  readonly problems: { row: SourceRow; problem: Problem }[] = [];

  problem(row: SourceRow, problem: Problem): void {
    this.problems.push({ row, problem });
  }

  conflict(row: SourceRow, reason: string): void {
    this.conflicts.push({ row, reason });
  }
}

export function fieldProblem(row: SourceRow, field: string, reason: string, value?: string): Problem {
  return { row: row.line, field, ...(value !== undefined ? { value } : {}), reason };
}
