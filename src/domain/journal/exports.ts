import { compareDates, type IsoDate } from '../dates.js';
import { InvariantError, UsageError, ValidationError } from '../errors.js';
import type { Money } from '../money/index.js';
import type { Store } from '../store.js';

/**
 * `owed export SET`: the book's records in the column sets `owed import` reads (CLI.md), so an
 * export re-imports. Amounts are Money (decimal strings with the currency's digits when
 * rendered). A few columns the import sets do not have are appended at the end, never in
 * between: an invoice's `kind` (credit notes are exported too), an order's `state`, a receipt's
 * `reversed_on`.
 */
export const EXPORT_SETS = ['customers', 'products', 'orders', 'invoices', 'receipts', 'allocations'] as const;
export type ExportSet = (typeof EXPORT_SETS)[number];

export type ExportCell = string | number | Money | null;
export type ExportRecord = Readonly<Record<string, ExportCell>>;

export interface ExportColumn {
  readonly key: string;
  readonly kind: 'text' | 'money' | 'integer' | 'date';
}

const t = (key: string): ExportColumn => ({ key, kind: 'text' });
const d = (key: string): ExportColumn => ({ key, kind: 'date' });
const m = (key: string): ExportColumn => ({ key, kind: 'money' });
const n = (key: string): ExportColumn => ({ key, kind: 'integer' });

export const EXPORT_COLUMNS: Readonly<Record<ExportSet, readonly ExportColumn[]>> = {
  customers: [t('code'), t('name'), t('email'), t('phone'), t('tax_id'), t('currency'), t('terms'), m('credit_limit'), t('segment'), t('birthday'), t('address')],
  products: [t('sku'), t('name'), m('price'), t('unit'), t('tax_rate'), n('stock')],
  orders: [t('order_ref'), t('customer'), d('date'), t('sku'), n('qty'), m('price'), t('state')],
  invoices: [t('number'), t('customer'), d('issue_date'), m('total'), d('due_date'), t('currency'), m('net'), m('tax'), t('order'), t('external_ref'), t('kind')],
  receipts: [d('date'), m('amount'), t('customer'), t('currency'), t('reference'), t('memo'), t('method'), t('bank_ref'), d('reversed_on')],
  allocations: [n('id'), d('date'), t('invoice'), t('source_kind'), t('source'), m('amount'), t('currency'), t('batch'), t('rule')],
};

/** The sets whose records carry a document date that --from/--to filter on. */
export const DATED_SETS: ReadonlySet<ExportSet> = new Set<ExportSet>(['orders', 'invoices', 'receipts', 'allocations']);

export interface DateRange {
  readonly from: IsoDate | null;
  readonly to: IsoDate | null;
}

export function checkRange(range: DateRange): void {
  if (range.from !== null && range.to !== null && compareDates(range.from, range.to) > 0) {
    throw new ValidationError({ field: '--from', value: range.from, reason: `is after --to ${range.to}` });
  }
}

export interface ExportResult {
  readonly set: ExportSet;
  readonly columns: readonly ExportColumn[];
  /** The records in batches, in order; read once, before using the store again. */
  readonly batches: AsyncIterable<readonly ExportRecord[]>;
}

/** One set, one set-based query, in a stable order (code, sku, or date then number), streamed. */
export function exportRecords(store: Store, set: ExportSet, range: DateRange): ExportResult {
  checkRange(range);
  if (!DATED_SETS.has(set) && (range.from !== null || range.to !== null)) {
    throw new UsageError(`--from and --to do not apply to ${set}`, `they filter ${[...DATED_SETS].join(', ')} by document date`);
  }
  const source = (() => {
    switch (set) {
      case 'customers':
        return store.exports.customers();
      case 'products':
        return store.exports.products();
      case 'orders':
        return store.exports.orderLines(range.from, range.to);
      case 'invoices':
        return store.exports.invoices(range.from, range.to);
      case 'receipts':
        return store.exports.receipts(range.from, range.to);
      case 'allocations':
        return store.exports.allocations(range.from, range.to);
    }
  })();
  const columns = EXPORT_COLUMNS[set];
  async function* batches(): AsyncGenerator<readonly ExportRecord[]> {
    let checked = false;
    for await (const batch of source) {
      const first = batch[0];
      if (!checked && first !== undefined) {
        const missing = columns.filter((c) => !(c.key in first));
        if (missing.length > 0) throw new InvariantError(`export ${set}: storage gave no ${missing.map((c) => c.key).join(', ')}`);
        checked = true;
      }
      yield batch;
    }
  }
  return { set, columns, batches: batches() };
}
