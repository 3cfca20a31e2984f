import type { MatchRule } from '../receivables/matching.js';
import { parseTermCode, type PaymentTerm } from '../terms.js';
import { defaultSettings } from './registry.js';

/** The settings a use-case reads, typed. Built from the stored key/value pairs over the defaults. */
export interface CompanySettings {
  readonly baseCurrency: string;
  readonly terms: readonly PaymentTerm[];
  readonly defaultTerms: string;
  readonly agingBuckets: readonly number[];
  /** Percent strings as stored, e.g. '13', '6.5'. */
  readonly taxRates: readonly string[];
  readonly defaultTaxRate: string;
  readonly pricesIncludeTax: boolean;
  readonly creditBlockOverdueDays: number;
  readonly allowBackorder: boolean;
  readonly reconcileRules: readonly MatchRule[];
  /** In major units of each currency, as typed: '0', '1.00'. */
  readonly reconcileTolerance: string;
  readonly provisionRates: readonly string[];
  /** Rows an import writes before it defers the rest's indexes and balances (import.bulk_after). */
  readonly importBulkAfter: number;
}

export function companySettings(stored: ReadonlyMap<string, string>): CompanySettings {
  const defaults = defaultSettings();
  const get = (key: string): string => stored.get(key) ?? defaults.get(key) ?? '';
  const list = (key: string): string[] => get(key).split(',').filter((s) => s.length > 0);
  return {
    baseCurrency: get('currency.base'),
    terms: list('terms').map(parseTermCode),
    defaultTerms: get('terms.default'),
    agingBuckets: list('aging.buckets').map(Number),
    taxRates: list('tax.rates'),
    defaultTaxRate: get('tax.default_rate'),
    pricesIncludeTax: get('tax.prices_include_tax') === 'true',
    creditBlockOverdueDays: Number(get('credit.block_overdue_days')),
    allowBackorder: get('stock.allow_backorder') === 'true',
    reconcileRules: list('reconcile.rules') as MatchRule[],
    reconcileTolerance: get('reconcile.tolerance'),
    provisionRates: list('provision.rates'),
    importBulkAfter: Number(get('import.bulk_after')),
  };
}
