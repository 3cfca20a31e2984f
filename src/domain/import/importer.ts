import type { Problem } from '../errors.js';
import type { Store } from '../store.js';
import type { Actor } from '../actor.js';
import type { CompanySettings } from '../settings/company-settings.js';

/** One data row of an import, with the line it came from. */
export interface SourceRow {
  readonly line: number;
  readonly values: readonly string[];
  readonly fields: ReadonlyMap<string, string>;
  /** The file's own text of fields the rules rewrote (a date read by date-format): what messages show. */
  readonly original?: ReadonlyMap<string, string>;
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

export type Outcome = 'created' | 'updated' | 'present';

export interface BatchResult {
  readonly outcomes: readonly { readonly row: SourceRow; readonly outcome: Outcome }[];
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
}

/**
 * What differs between entities: the columns, how a row is checked on its own, and how a batch is
 * matched against the book and written. The engine does the rest (streaming, batching, errors).
 */
export interface EntityImporter<T> {
  readonly entity: string;
  readonly columns: readonly string[];
  readonly required: readonly string[];
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

export function fieldProblem(row: SourceRow, field: string, reason: string, value?: string): Problem {
  return { row: row.line, field, ...(value !== undefined ? { value } : {}), reason };
}
