import type { Actor } from '../../actor.js';
import type { CustomerLanguage } from '../../customers/customer.js';
import { editCustomer } from '../../customers/edit-customer.js';
import { daysBetween, type IsoDate } from '../../dates.js';
import { OwedError, RefusedError } from '../../errors.js';
import type { Store } from '../../store.js';
import { requirePermission } from '../../users/roles.js';
import { renderReminder } from './message.js';
import { planReminders, type ReminderBatch, type SkippedInvoice } from './plan.js';
import { loadTemplates, reminderSettings, type ReminderSettings } from './settings.js';
import type { CompiledTemplate } from './template.js';

/** Runs work in one transaction of its own (the CLI: withBook). */
export type Transact = <T>(work: (store: Store, actor: Actor) => Promise<T>) => Promise<T>;

/** A rendered reminder on its way out. */
export interface OutgoingReminder {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly messageId: string;
  readonly customer: string;
  readonly asOf: IsoDate;
  readonly language: CustomerLanguage;
}

/** Where reminders go: an SMTP server, or .eml files in an outbox. Provided by the caller. */
export interface ReminderSender {
  readonly channel: 'smtp' | 'outbox';
  /** The Message-ID of the next message, recorded with it before it is sent. */
  newMessageId(): string;
  /** Resolves once the message was accepted (by the server) or written (to the outbox). */
  send(message: OutgoingReminder): Promise<{ messageId: string; file?: string }>;
  /** True when after this failure every further message would fail too: the run stops. */
  stopsRun(error: unknown): boolean;
  close(): void;
}

export interface ReminderRunOptions {
  readonly asOf?: IsoDate;
  /** Plan and render only: nothing is sent, written or recorded. */
  readonly dryRun?: boolean;
  /** Send even when the newest receipt is older than remind.max_receipts_age_days. */
  readonly force?: boolean;
  /** Reads the file named in remind.template.<language>. */
  readonly readTemplate: (file: string, setting: string) => string;
  /** Opens the sender once there is something to send (not for a dry run). */
  readonly openSender: (settings: ReadonlyMap<string, string>) => ReminderSender;
}

export type MessageStatus = 'sent' | 'written' | 'would send' | 'failed' | 'not attempted' | 'already sent';

export interface MessageOutcome {
  readonly batch: ReminderBatch;
  readonly subject: string;
  readonly text: string;
  readonly status: MessageStatus;
  readonly messageId: string | null;
  /** The .eml file, for the outbox. */
  readonly file: string | null;
  readonly error: OwedError | null;
}

export interface ReminderRunReport {
  readonly asOf: IsoDate;
  readonly dryRun: boolean;
  readonly channel: 'smtp' | 'outbox' | null;
  readonly latestReceipt: IsoDate | null;
  /** --force overrode the stale-receipts refusal. */
  readonly forced: boolean;
  readonly messages: readonly MessageOutcome[];
  readonly skipped: readonly SkippedInvoice[];
}

/**
 * Refuses to chase anyone when the book's cash is not up to date: a customer who paid last week
 * must not get a reminder because the bank statement was not imported yet.
 */
export function checkReceiptsFresh(latest: IsoDate | null, asOf: IsoDate, maxAgeDays: number, force: boolean): boolean {
  if (latest === null) {
    if (force) return true;
    throw new RefusedError(
      'the book holds no receipts at all: refusing to send reminders, customers who have paid could be chased',
      'record or import the bank statement first (owed receive …, owed import receipts FILE); pass --force if there really is no cash to record',
    );
  }
  const age = daysBetween(latest, asOf);
  if (age <= maxAgeDays) return false;
  if (force) return true;
  throw new RefusedError(
    `the newest receipt is dated ${latest}, ${age} days before ${asOf} (remind.max_receipts_age_days is ${maxAgeDays}): customers who have paid since could be chased`,
    'import the latest bank statement first (owed import receipts FILE), or pass --force to send anyway',
  );
}

function lineDetail(batch: ReminderBatch) {
  return batch.lines.map((l) => ({ invoice: l.invoice, level: l.level.name }));
}

/**
 * `owed remind run`. One transaction plans (and checks permissions, receipts, templates), then
 * each customer's message runs in a transaction of its own: its reminders are recorded, the
 * message is sent, and only when the server accepted it does the transaction commit. A message
 * that fails rolls back its own records (it is sent by the next run); the messages before it stay
 * recorded. A concurrent run waits on, then collides with, the UNIQUE (invoice, level) rows
 * instead of sending twice.
 */
export async function runReminders(transact: Transact, options: ReminderRunOptions): Promise<ReminderRunReport> {
  const dryRun = options.dryRun === true;
  const prepared = await transact(async (store, actor) => {
    const asOf = options.asOf ?? actor.today;
    if (!dryRun) requirePermission(actor.user, actor.role, 'finance', 'send reminders');
    const settings = reminderSettings(await store.settings.all());
    const latestReceipt = await store.reminders.latestReceiptDate();
    const forced = checkReceiptsFresh(latestReceipt, asOf, settings.maxReceiptsAgeDays, options.force === true);
    const templates = loadTemplates(settings, options.readTemplate);
    const plan = await planReminders(store, asOf, settings, { settled: true });
    return { asOf, settings, templates, latestReceipt, forced, plan };
  });
  const { asOf, settings, templates, plan } = prepared;
  const render = (batch: ReminderBatch) => renderBatch(batch, asOf, settings, templates);
  const base = { asOf, dryRun, latestReceipt: prepared.latestReceipt, forced: prepared.forced, skipped: plan.skipped };

  if (dryRun || plan.batches.length === 0) {
    const messages = plan.batches.map((batch): MessageOutcome => ({ batch, ...render(batch), status: 'would send', messageId: null, file: null, error: null }));
    return { ...base, channel: null, messages };
  }

  const sender = options.openSender(settings.all);
  const messages: MessageOutcome[] = [];
  try {
    let stopped = false;
    for (const planned of plan.batches) {
      if (stopped) {
        messages.push({ batch: planned, ...render(planned), status: 'not attempted', messageId: null, file: null, error: null });
        continue;
      }
      try {
        messages.push(await transact((store, actor) => sendOne(store, actor, planned, asOf, settings, templates, sender)));
      } catch (error) {
        if (!(error instanceof OwedError)) throw error;
        messages.push({ batch: planned, ...render(planned), status: 'failed', messageId: null, file: null, error });
        stopped = sender.stopsRun(error);
      }
    }
  } finally {
    sender.close();
  }
  return { ...base, channel: sender.channel, messages };
}

function renderBatch(batch: ReminderBatch, asOf: IsoDate, settings: ReminderSettings, templates: Record<CustomerLanguage, CompiledTemplate>) {
  return renderReminder(
    {
      language: batch.customer.language,
      company: settings.company,
      customer: batch.customer.code,
      customerName: batch.customer.name,
      asOf,
      level: batch.level,
      lines: batch.lines,
      onHold: batch.onHold,
      paymentInstructions: settings.paymentInstructions,
    },
    templates[batch.customer.language],
  );
}

async function sendOne(
  store: Store,
  actor: Actor,
  planned: ReminderBatch,
  asOf: IsoDate,
  settings: ReminderSettings,
  templates: Record<CustomerLanguage, CompiledTemplate>,
  sender: ReminderSender,
): Promise<MessageOutcome> {
  const code = planned.customer.code;
  // Again inside this customer's transaction: another run may have sent meanwhile.
  const fresh = await planReminders(store, asOf, settings, { customer: code });
  const batch = fresh.batches[0];
  if (batch === undefined) {
    return { batch: planned, ...renderBatch(planned, asOf, settings, templates), status: 'already sent', messageId: null, file: null, error: null };
  }
  const rendered = renderBatch(batch, asOf, settings, templates);
  const messageId = sender.newMessageId();
  if (batch.placesHold) await editCustomer(store, actor, code, { onHold: true });
  for (const line of batch.lines) {
    try {
      await store.reminders.record({
        invoice: line.invoice,
        level: line.level.name,
        levelDays: line.level.days,
        customer: code,
        sentOn: asOf,
        sentAt: actor.now,
        channel: sender.channel,
        messageId,
        recipient: batch.email,
      });
    } catch (error) {
      if (error instanceof OwedError) throw error;
      throw new RefusedError(
        `the reminder for ${line.invoice} at level ${line.level.name} is already recorded (another remind run at the same time?): ${(error as Error).message}`,
        'see what was sent with: owed remind list --customer ' + code,
      );
    }
  }
  await store.audit.record({
    entity: 'customer',
    key: code,
    action: 'remind',
    detail: { as_of: asOf, level: batch.level.name, invoices: lineDetail(batch), channel: sender.channel, recipient: batch.email, message_id: messageId, hold: batch.placesHold },
  });
  const result = await sender.send({ to: [batch.email], ...rendered, messageId, customer: code, asOf, language: batch.customer.language });
  return {
    batch,
    ...rendered,
    status: sender.channel === 'smtp' ? 'sent' : 'written',
    messageId: result.messageId,
    file: result.file ?? null,
    error: null,
  };
}
