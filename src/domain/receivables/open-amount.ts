import { compareDates, type IsoDate } from '../dates.js';
import { money, type Money } from '../money/index.js';

export interface DatedAmount {
  readonly date: IsoDate;
  readonly amount: Money;
}

/** open(D) = total − Σ allocations dated ≤ D (reversals are negative allocations). */
export function openAsOf(total: Money, allocations: readonly DatedAmount[], asOf: IsoDate): Money {
  let open = total.minor;
  for (const a of allocations) if (compareDates(a.date, asOf) <= 0) open -= a.amount.minor;
  return money(open, total.currency);
}

/**
 * The least the invoice is open on any day from `from` on. A new allocation dated `from` must not
 * exceed it, or the invoice would go below zero on some later day (ledger invariant 1) — for
 * example when a receipt was reversed after that date.
 */
export function minimumOpenFrom(total: Money, allocations: readonly DatedAmount[], from: IsoDate): Money {
  let min = openAsOf(total, allocations, from).minor;
  let running = min;
  const later = allocations
    .filter((a) => compareDates(a.date, from) > 0)
    .sort((a, b) => compareDates(a.date, b.date));
  for (let i = 0; i < later.length; i++) {
    running -= later[i]!.amount.minor;
    const lastOfDay = i === later.length - 1 || later[i + 1]!.date !== later[i]!.date;
    if (lastOfDay && running < min) min = running;
  }
  return money(min, total.currency);
}
