import type { Actor } from '../actor.js';
import { parseDate } from '../dates.js';
import { NotFoundError, RefusedError } from '../errors.js';
import { currency as lookupCurrency, formatMoney, isPositive, parseMoney, toDecimalString } from '../money/index.js';
import { nextDocumentNumber } from '../numbering.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import { RECEIPT_METHODS, type Receipt, type ReceiptMethod } from './receipt.js';

export interface ReceiptInput {
  readonly amount: string;
  readonly customer?: string;
  readonly date?: string;
  readonly method?: string;
  readonly reference?: string;
  readonly memo?: string;
  readonly currency?: string;
}

export interface RecordedReceipt {
  readonly receipt: Receipt;
  /** The bank reference was recorded before with the same content: nothing was written. */
  readonly replayed: boolean;
}

/** A replay may leave the customer out: unidentified cash may have been assigned since. */
function sameContent(earlier: Receipt, replay: Receipt): boolean {
  return earlier.date === replay.date && earlier.amount.minor === replay.amount.minor && earlier.amount.currency === replay.amount.currency
    && (replay.customer === null || earlier.customer === replay.customer) && earlier.method === replay.method && (earlier.memo ?? '') === (replay.memo ?? '');
}

/**
 * Records cash received. The bank's reference is its idempotency key: replaying a bank line is a
 * no-op that says so, and the same reference with different content is a conflict.
 */
export async function recordReceipt(store: Store, actor: Actor, input: ReceiptInput): Promise<RecordedReceipt> {
  requirePermission(actor.user, actor.role, 'finance', 'record receipts');
  const problems = new Problems();
  const customer = input.customer === undefined ? undefined : await store.customers.find(input.customer);
  if (input.customer !== undefined && !customer) throw new NotFoundError('customer', input.customer, 'list customers with: owed customer list');
  const settings = await loadSettings(store);
  const code = (input.currency ?? customer?.currency ?? settings.baseCurrency).trim().toUpperCase();
  problems.check(() => lookupCurrency(code));
  if (customer && input.currency !== undefined && code !== customer.currency) {
    problems.add('--currency', input.currency, `customer ${customer.code} is billed in ${customer.currency}`);
  }
  const amount = problems.any ? undefined : problems.check(() => parseMoney(input.amount, code, '--amount'));
  if (amount && !isPositive(amount)) problems.add('--amount', input.amount, 'must be greater than zero');
  const date = input.date === undefined ? actor.today : problems.check(() => parseDate(input.date!, '--date'));
  const method = (input.method ?? 'bank').trim().toLowerCase();
  if (!(RECEIPT_METHODS as readonly string[]).includes(method)) problems.add('--method', input.method, `must be one of ${RECEIPT_METHODS.join(', ')}`);
  const bankRef = input.reference?.trim() || null;
  if (bankRef !== null && bankRef.length > 100) problems.add('--ref', bankRef, 'is longer than 100 characters');
  const memo = input.memo?.trim() || null;
  problems.throwIfAny();

  const draft: Receipt = {
    number: '',
    customer: customer?.code ?? null,
    customerName: customer?.name ?? null,
    date: date!,
    amount: amount!,
    method: method as ReceiptMethod,
    bankRef,
    memo,
    reversal: null,
    createdAt: actor.now,
    createdBy: actor.user,
  };
  if (bankRef !== null) {
    // Two processes entering the same bank line at once: the second waits and then sees the first.
    await store.allocations.lockForAllocation();
    const earlier = await store.receipts.findByBankRef(bankRef);
    if (earlier) {
      if (sameContent(earlier, draft)) return { receipt: earlier, replayed: true };
      throw new RefusedError(
        `bank reference ${bankRef} is already recorded as ${earlier.number} with different content (${formatMoney(earlier.amount)} ${earlier.amount.currency} on ${earlier.date}${earlier.customer ? ` from ${earlier.customer}` : ''})`,
        'a bank reference identifies one payment; check the statement line',
      );
    }
  }
  const receipt: Receipt = { ...draft, number: await nextDocumentNumber(store, 'RC', date!) };
  await store.receipts.insert(receipt);
  await store.audit.record({
    entity: 'receipt',
    key: receipt.number,
    action: 'receive',
    detail: { customer: receipt.customer, amount: toDecimalString(receipt.amount), currency: receipt.amount.currency, bank_ref: bankRef },
  });
  return { receipt, replayed: false };
}
