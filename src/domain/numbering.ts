import { yearOf, type IsoDate } from './dates.js';
import type { Store } from './store.js';

export type Series = 'SO' | 'SH' | 'INV' | 'CN' | 'RC' | 'WO' | 'RB';

/** SO-2026-000001: gapless per series and year of the document's date. */
export async function nextDocumentNumber(store: Store, series: Series, date: IsoDate): Promise<string> {
  const year = yearOf(date);
  const n = await store.numbers.next(series, year);
  return `${series}-${year}-${String(n).padStart(6, '0')}`;
}
