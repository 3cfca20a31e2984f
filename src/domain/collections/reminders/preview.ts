import type { Actor } from '../../actor.js';
import type { Customer } from '../../customers/customer.js';
import type { IsoDate } from '../../dates.js';
import { NotFoundError } from '../../errors.js';
import type { Store } from '../../store.js';
import { renderReminder } from './message.js';
import { planReminders, type ReminderBatch, type SkippedInvoice } from './plan.js';
import { loadTemplates, reminderSettings } from './settings.js';

export interface ReminderPreview {
  readonly asOf: IsoDate;
  readonly customer: Customer;
  /** null when nothing would go to this customer. */
  readonly batch: ReminderBatch | null;
  readonly message: { readonly subject: string; readonly text: string } | null;
  readonly skipped: readonly SkippedInvoice[];
}

/** The message `remind run` would send the customer as of asOf; nothing is sent or recorded. */
export async function previewReminder(
  store: Store,
  actor: Actor,
  code: string,
  options: { readonly asOf?: IsoDate; readonly readTemplate: (file: string, setting: string) => string },
): Promise<ReminderPreview> {
  const customer = await store.customers.find(code.trim());
  if (!customer) throw new NotFoundError('customer', code, 'list customers with: owed customer list');
  const asOf = options.asOf ?? actor.today;
  const settings = reminderSettings(await store.settings.all());
  const templates = loadTemplates(settings, options.readTemplate);
  const plan = await planReminders(store, asOf, settings, { customer: customer.code, settled: true });
  const batch = plan.batches[0] ?? null;
  const message = batch === null
    ? null
    : renderReminder(
      {
        language: customer.language,
        company: settings.company,
        customer: customer.code,
        customerName: customer.name,
        asOf,
        level: batch.level,
        lines: batch.lines,
        onHold: batch.onHold,
        paymentInstructions: settings.paymentInstructions,
      },
      templates[customer.language],
    );
  return { asOf, customer, batch, message, skipped: plan.skipped };
}
