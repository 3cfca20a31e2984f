import type { Actor } from '../../actor.js';
import { parseDate, type IsoDate } from '../../dates.js';
import { NotFoundError, RefusedError, ValidationError, type Problem } from '../../errors.js';
import type { Store } from '../../store.js';
import { requirePermission } from '../../users/roles.js';

export interface DisputeInput {
  readonly reason?: string;
  readonly date?: string;
}

export interface DisputeChange {
  readonly invoice: string;
  readonly customer: string;
  readonly date: IsoDate;
  readonly reason: string;
  /** true after `dispute`, false after `undispute`. */
  readonly disputed: boolean;
}

const FAR_FUTURE = '9999-12-31';

/**
 * Opens (disputed = true) or closes a dispute on an invoice. While it is open, reminders skip the
 * invoice. Entries are appended, never changed, so the state as of any date stays exact.
 */
async function changeDispute(store: Store, actor: Actor, number: string, input: DisputeInput, disputed: boolean): Promise<DisputeChange> {
  const verb = disputed ? 'dispute' : 'undispute';
  requirePermission(actor.user, actor.role, 'finance', `${verb} invoices`);
  const reason = input.reason?.trim() ?? '';
  const problems: Problem[] = [];
  if (reason === '') problems.push({ field: '--reason', reason: `is required: say why the invoice is ${disputed ? 'disputed' : 'no longer disputed'}` });
  else if (reason.length > 500) problems.push({ field: '--reason', value: reason, reason: 'is longer than 500 characters' });
  let date = actor.today;
  if (input.date !== undefined) {
    try {
      date = parseDate(input.date, '--date');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const invoice = await store.invoices.find(number.trim());
  if (!invoice) throw new NotFoundError('invoice', number, 'list invoices with: owed invoice list');
  if (invoice.kind !== 'invoice') throw new RefusedError(`${invoice.number} is a credit note; only invoices can be disputed`);
  if (date < invoice.issueDate) {
    throw new ValidationError({ field: '--date', value: date, reason: `is before ${invoice.number} was issued (${invoice.issueDate})` });
  }
  const openNow = (await store.disputes.disputed(FAR_FUTURE)).has(invoice.number);
  if (disputed && openNow) {
    throw new RefusedError(`${invoice.number} is already in dispute`, `close the dispute first: owed invoice undispute ${invoice.number} --reason …`);
  }
  if (!disputed && !openNow) {
    throw new RefusedError(`${invoice.number} is not in dispute`, `open one with: owed invoice dispute ${invoice.number} --reason …`);
  }
  const history = await store.audit.list({ entity: 'invoice', key: invoice.number });
  const last = history
    .filter((e) => (e.action === 'dispute' || e.action === 'undispute') && typeof e.detail?.date === 'string')
    .map((e) => String(e.detail!.date))
    .sort()
    .pop();
  if (last !== undefined && date < last) {
    throw new ValidationError({ field: '--date', value: date, reason: `is before the last dispute change of ${invoice.number} (${last})` });
  }
  if (disputed) await store.disputes.open(invoice.number, date, reason, actor.now, actor.user);
  else await store.disputes.close(invoice.number, date, reason, actor.now, actor.user);
  await store.audit.record({ entity: 'invoice', key: invoice.number, action: verb, detail: { date, reason, customer: invoice.customer } });
  return { invoice: invoice.number, customer: invoice.customer, date, reason, disputed };
}

export function disputeInvoice(store: Store, actor: Actor, number: string, input: DisputeInput): Promise<DisputeChange> {
  return changeDispute(store, actor, number, input, true);
}

export function undisputeInvoice(store: Store, actor: Actor, number: string, input: DisputeInput): Promise<DisputeChange> {
  return changeDispute(store, actor, number, input, false);
}
