import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { dateOption, integerOption } from '../cli/options.js';
import { emitListing, note, warn, writeResult } from '../cli/output.js';
import { render, renderJson, type Cell, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import {
  TEMPLATE_PLACEHOLDERS,
  previewReminder,
  reminderTotals,
  runReminders,
  type MessageOutcome,
  type ReminderBatch,
  type ReminderRunReport,
  type ReminderSender,
  type SkippedInvoice,
} from '../domain/collections/reminders/index.js';
import { OwedError, ValidationError, type ErrorCode } from '../domain/errors.js';
import { money, toDecimalString, type Money } from '../domain/money/index.js';

/** Some messages of a run were not sent; the ones that were stay recorded. */
class ReminderRunIncomplete extends OwedError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

function templateReader(io: Io) {
  return (file: string, setting: string): string => {
    const full = path.resolve(io.cwd, file);
    try {
      return fs.readFileSync(full, 'utf8');
    } catch (error) {
      throw new ValidationError(
        { field: setting, value: file, reason: `cannot be read: ${(error as Error).message}` },
        `fix the path, or use the built-in template: owed settings set ${setting} ""`,
      );
    }
  };
}

/** The mail module (nodemailer) is loaded only by commands that send. */
type MailModule = typeof import('../mail/index.js');

function smtpSender(rt: Runtime, { createMailer, isFatalMailError, newMessageId }: MailModule) {
  return (settings: ReadonlyMap<string, string>): ReminderSender => {
    const mailer = createMailer(settings, rt.env);
    return {
      channel: 'smtp',
      newMessageId: () => newMessageId(mailer.from),
      send: (m) => mailer.send({ to: m.to, subject: m.subject, text: m.text, messageId: m.messageId, headers: { 'X-Owed-Customer': m.customer } }),
      stopsRun: isFatalMailError,
      close: () => mailer.close(),
    };
  };
}

function outboxSender(dir: string, { mailFrom, newMessageId, writeEml }: MailModule) {
  return (settings: ReadonlyMap<string, string>): ReminderSender => {
    const from = mailFrom(settings);
    return {
      channel: 'outbox',
      newMessageId: () => newMessageId(from.address),
      send: async (m) => ({
        messageId: m.messageId,
        file: await writeEml(dir, { to: m.to, subject: m.subject, text: m.text, messageId: m.messageId, headers: { 'X-Owed-Customer': m.customer }, from }, { name: `${m.asOf}-${m.customer}` }),
      }),
      // A directory that cannot be written now will not be writable for the next customer either.
      stopsRun: () => true,
      close: () => undefined,
    };
  };
}

function totalCell(lines: ReminderBatch['lines']): { total: Cell; currency: string } {
  const totals = reminderTotals(lines);
  if (totals.length === 1) return { total: totals[0]!, currency: totals[0]!.currency };
  return { total: totals.map((t) => `${toDecimalString(t)} ${t.currency}`).join(' + '), currency: '' };
}

function jsonTotals(totals: readonly Money[]) {
  return totals.map((t) => ({ currency: t.currency, amount: toDecimalString(t) }));
}

function invoiceJson(batch: ReminderBatch) {
  return batch.lines.map((l) => ({
    invoice: l.invoice,
    level: l.level.name,
    due_date: l.dueDate,
    days_overdue: l.days,
    open: toDecimalString(money(l.open, l.currency)),
    currency: l.currency,
  }));
}

function skippedJson(s: SkippedInvoice) {
  return {
    customer: s.customer,
    name: s.name,
    invoice: s.invoice,
    level: s.level,
    reason: s.reason,
    due_date: s.dueDate,
    open: toDecimalString(money(s.open, s.currency)),
    currency: s.currency,
  };
}

const MESSAGE_COLUMNS: Listing['columns'] = [
  { key: 'customer', header: 'Customer' },
  { key: 'name', header: 'Name' },
  { key: 'email', header: 'Email' },
  { key: 'invoices', header: 'Invoices (level)' },
  { key: 'level', header: 'Level' },
  { key: 'total', header: 'Total', kind: 'money' },
  { key: 'currency', header: 'Cur' },
  { key: 'hold', header: 'Hold', kind: 'boolean' },
  { key: 'status', header: 'Status' },
];

const SKIPPED_COLUMNS: Listing['columns'] = [
  { key: 'customer', header: 'Customer' },
  { key: 'name', header: 'Name' },
  { key: 'invoice', header: 'Invoice' },
  { key: 'level', header: 'Level' },
  { key: 'due_date', header: 'Due', kind: 'date' },
  { key: 'open', header: 'Open', kind: 'money' },
  { key: 'currency', header: 'Cur' },
  { key: 'reason', header: 'Skipped because' },
];

/** CSV: one row per invoice, sent or skipped. */
const CSV_COLUMNS: Listing['columns'] = [
  { key: 'customer', header: 'Customer' },
  { key: 'email', header: 'Email' },
  { key: 'invoice', header: 'Invoice' },
  { key: 'level', header: 'Level' },
  { key: 'due_date', header: 'Due', kind: 'date' },
  { key: 'days_overdue', header: 'Days overdue', kind: 'integer' },
  { key: 'open', header: 'Open', kind: 'money' },
  { key: 'currency', header: 'Cur' },
  { key: 'status', header: 'Status' },
  { key: 'reason', header: 'Reason' },
];

function messageRow(m: MessageOutcome) {
  const b = m.batch;
  return {
    customer: b.customer.code,
    name: b.customer.name,
    email: b.email,
    invoices: b.lines.map((l) => `${l.invoice} (${l.level.name})`).join(', '),
    level: b.level.name,
    ...totalCell(b.lines),
    hold: b.placesHold,
    status: m.status,
  };
}

function skippedRow(s: SkippedInvoice) {
  return { customer: s.customer, name: s.name, invoice: s.invoice, level: s.level, due_date: s.dueDate, open: money(s.open, s.currency), currency: s.currency, reason: s.reason };
}

function emitRun(rt: Runtime, report: ReminderRunReport): void {
  if (rt.format === 'json') {
    writeResult(rt, renderJson({
      as_of: report.asOf,
      dry_run: report.dryRun,
      channel: report.channel,
      latest_receipt: report.latestReceipt,
      forced: report.forced,
      messages: report.messages.map((m) => ({
        customer: m.batch.customer.code,
        name: m.batch.customer.name,
        email: m.batch.email,
        language: m.batch.customer.language,
        level: m.batch.level.name,
        status: m.status,
        hold: m.batch.placesHold,
        subject: m.subject,
        message_id: m.messageId,
        file: m.file,
        error: m.error?.message ?? null,
        invoices: invoiceJson(m.batch),
        totals: jsonTotals(reminderTotals(m.batch.lines)),
        text: m.text,
      })),
      skipped: report.skipped.map(skippedJson),
    }));
    return;
  }
  if (rt.format === 'csv') {
    const rows = [
      ...report.messages.flatMap((m) => m.batch.lines.map((l) => ({
        customer: m.batch.customer.code,
        email: m.batch.email,
        invoice: l.invoice,
        level: l.level.name,
        due_date: l.dueDate,
        days_overdue: l.days,
        open: money(l.open, l.currency),
        currency: l.currency,
        status: m.status,
        reason: m.error?.message ?? '',
      }))),
      ...report.skipped.map((s) => ({ ...skippedRow(s), email: '', days_overdue: null, status: 'skipped' })),
    ];
    emitListing(rt, { columns: CSV_COLUMNS, rows });
    return;
  }
  const how = report.dryRun ? 'dry run: nothing sent or recorded' : report.channel === 'outbox' ? 'written to the outbox' : 'sent by SMTP';
  const parts: string[] = [];
  if (report.messages.length === 0) parts.push(`No reminders due as of ${report.asOf}.\n`);
  else {
    const footer = report.messages
      .filter((m) => m.error !== null || m.file !== null)
      .map((m) => (m.error !== null ? `${m.batch.customer.code}: ${m.error.message}` : `${m.batch.customer.code}: ${m.file}`));
    parts.push(render({ title: `Reminders as of ${report.asOf} (${how})`, columns: MESSAGE_COLUMNS, rows: report.messages.map(messageRow), ...(footer.length > 0 ? { footer } : {}) }, 'table', { color: rt.color }));
  }
  if (report.skipped.length > 0) {
    parts.push(render({ title: 'Skipped', columns: SKIPPED_COLUMNS, rows: report.skipped.map(skippedRow) }, 'table', { color: rt.color }));
  }
  writeResult(rt, parts.join('\n'));
}

function summarise(rt: Runtime, report: ReminderRunReport): void {
  if (report.forced) {
    warn(rt, report.latestReceipt === null
      ? 'the book holds no receipts; reminders go out anyway (--force)'
      : `the newest receipt is dated ${report.latestReceipt}; reminders go out anyway (--force)`);
  }
  const count = (status: MessageOutcome['status']) => report.messages.filter((m) => m.status === status);
  const invoices = (list: readonly MessageOutcome[]) => list.reduce((n, m) => n + m.batch.lines.length, 0);
  const done = report.dryRun ? count('would send') : [...count('sent'), ...count('written')];
  const verb = report.dryRun ? 'would send' : report.channel === 'outbox' ? 'wrote' : 'sent';
  const extra = [
    report.skipped.length > 0 ? `${report.skipped.length} invoice${report.skipped.length === 1 ? '' : 's'} skipped` : null,
    count('already sent').length > 0 ? `${count('already sent').length} already sent by another run` : null,
  ].filter((x): x is string => x !== null);
  note(rt, `${verb} ${done.length} reminder${done.length === 1 ? '' : 's'} (${invoices(done)} invoice${invoices(done) === 1 ? '' : 's'}) as of ${report.asOf}${extra.length > 0 ? `; ${extra.join(', ')}` : ''}`);
}

function failure(report: ReminderRunReport): ReminderRunIncomplete | null {
  const failed = report.messages.filter((m) => m.status === 'failed');
  if (failed.length === 0) return null;
  const skipped = report.messages.filter((m) => m.status === 'not attempted').length;
  const code: ErrorCode = failed.some((m) => m.error?.code === 'database') ? 'database' : failed[0]!.error?.code ?? 'refused';
  const first = failed[0]!;
  const sent = report.messages.filter((m) => m.status === 'sent' || m.status === 'written').length;
  return new ReminderRunIncomplete(
    code,
    `${failed.length + skipped} of ${report.messages.length} reminder message${report.messages.length === 1 ? ' was' : 's were'} not sent `
      + `(${first.batch.customer.code}: ${first.error?.message ?? 'failed'}); ${sent} sent and recorded`,
    `${first.error?.hint ? `${first.error.hint}; ` : ''}the next run sends what was not sent, once`,
  );
}

const HISTORY_COLUMNS: Listing['columns'] = [
  { key: 'sent_on', header: 'Sent on', kind: 'date' },
  { key: 'customer', header: 'Customer' },
  { key: 'invoice', header: 'Invoice' },
  { key: 'level', header: 'Level' },
  { key: 'level_days', header: 'Days', kind: 'integer' },
  { key: 'channel', header: 'Channel' },
  { key: 'recipient', header: 'Recipient' },
  { key: 'message_id', header: 'Message-ID' },
  { key: 'sent_at', header: 'Sent at' },
];

/** `owed remind …`; disputes, which stop reminders, are `owed invoice dispute|undispute` (dispute.ts). */
export function registerRemind(program: Command, io: Io): void {
  const remind = program
    .command('remind')
    .description('payment reminders (催款) by e-mail: run, list, preview')
    .addHelpText('after', `
Levels come from the setting remind.levels (days from the due date:NAME, default
-3:courtesy,1:first,15:second,30:final,60:collections); remind.hold_level puts the customer on
credit hold. Each invoice gets each level at most once, ever; after missed days only the highest.

Examples:
  $ owed remind preview C001
  $ owed remind run --dry-run
  $ owed remind run                         # nightly, from cron
  $ owed remind list --customer C001`);

  remind
    .command('run')
    .description('send one reminder per customer for every invoice that reached a new level')
    .option('--as-of <YYYY-MM-DD>', 'the date the levels are reached on (default: today)', dateOption)
    .option('--dry-run', 'show what would be sent; send, write and record nothing')
    .option('--outbox <dir>', 'write .eml files to DIR instead of sending by SMTP')
    .option('--force', 'send even though the newest receipt is older than remind.max_receipts_age_days')
    .addHelpText('after', `
Messages go by SMTP (settings smtp.host, smtp.port, smtp.secure, smtp.user, smtp.from; the password
from the environment variable named by smtp.password_env, default OWED_SMTP_PASSWORD, or the file
smtp.password_file — never a flag). A (invoice, level) is recorded only once the server accepted
the message, so a failed message is sent by the next run. Disputed invoices, customers on a credit
hold set by hand, customers without an e-mail address and invoices paid within the receipts
window are skipped and listed.

Exit codes: 5 refused (receipts not up to date, settings missing), 7 SMTP server unavailable or a
message not accepted (the others stay sent).

Examples:
  $ owed remind run --dry-run
  $ OWED_SMTP_PASSWORD=… owed remind run
  $ owed remind run --outbox ./outbox --as-of 2026-12-01
  $ owed remind run --json > reminders.json`)
    .action(action<{ asOf?: string; dryRun?: boolean; outbox?: string; force?: boolean }>(io, async (rt, _args, o) => {
      const report = await runReminders((work) => withBook(rt, work), {
        ...(o.asOf !== undefined ? { asOf: o.asOf } : {}),
        dryRun: o.dryRun === true,
        force: o.force === true,
        readTemplate: templateReader(io),
        openSender: o.outbox !== undefined ? outboxSender(path.resolve(io.cwd, o.outbox), await import('../mail/index.js')) : smtpSender(rt, await import('../mail/index.js')),
      });
      emitRun(rt, report);
      summarise(rt, report);
      const failed = failure(report);
      if (failed) throw failed;
    }));

  remind
    .command('list')
    .description('reminders sent, newest first')
    .option('--customer <code>', 'only this customer')
    .option('--invoice <number>', 'only this invoice')
    .option('--limit <n>', 'at most this many', integerOption)
    .addHelpText('after', `
Examples:
  $ owed remind list --customer C001
  $ owed remind list --json`)
    .action(action<{ customer?: string; invoice?: string; limit?: string }>(io, async (rt, _args, o) => {
      const history = await readBook(rt, (store) => store.reminders.history({
        ...(o.customer !== undefined ? { customer: o.customer } : {}),
        ...(o.invoice !== undefined ? { invoice: o.invoice } : {}),
        ...(o.limit !== undefined ? { limit: Math.max(0, Number(o.limit)) } : {}),
      }));
      emitListing(rt, {
        columns: HISTORY_COLUMNS,
        rows: history.map((r) => ({
          sent_on: r.sentOn,
          customer: r.customer,
          invoice: r.invoice,
          level: r.level,
          level_days: r.levelDays,
          channel: r.channel,
          recipient: r.recipient,
          message_id: r.messageId,
          sent_at: r.sentAt,
        })),
      });
    }));

  remind
    .command('preview')
    .description('the reminder a run would send the customer now; nothing is sent or recorded')
    .argument('<customer>', 'customer code')
    .option('--as-of <YYYY-MM-DD>', 'as of this date (default: today)', dateOption)
    .addHelpText('after', `
Templates: the settings remind.template.zh-CN and remind.template.en may name a file that replaces
the built-in text. Its first line is "Subject: …", then a blank line and the body. Placeholders:
  {{${TEMPLATE_PLACEHOLDERS.message.join('}} {{')}}}
  inside {{#invoices}}…{{/invoices}}: {{${TEMPLATE_PLACEHOLDERS.invoice.join('}} {{')}}}
  {{#name}}…{{/name}} shows its content when the value is set (or once per invoice),
  {{^name}}…{{/name}} when it is not; {{#is_final}} and the like for the level of the message.

Examples:
  $ owed remind preview C001
  $ owed remind preview C001 --as-of 2026-12-15 --json`)
    .action(action<{ asOf?: string }>(io, async (rt, args, o) => {
      const preview = await readBook(rt, (store, actor) =>
        previewReminder(store, actor, args[0]!, { ...(o.asOf !== undefined ? { asOf: o.asOf } : {}), readTemplate: templateReader(io) }));
      const b = preview.batch;
      if (rt.format === 'json') {
        writeResult(rt, renderJson({
          customer: preview.customer.code,
          as_of: preview.asOf,
          to: b?.email ?? null,
          language: preview.customer.language,
          level: b?.level.name ?? null,
          hold: b?.placesHold ?? false,
          subject: preview.message?.subject ?? null,
          text: preview.message?.text ?? null,
          invoices: b ? invoiceJson(b) : [],
          totals: b ? jsonTotals(reminderTotals(b.lines)) : [],
          skipped: preview.skipped.map(skippedJson),
        }));
      } else if (rt.format === 'csv') {
        emitListing(rt, {
          columns: CSV_COLUMNS,
          rows: [
            ...(b?.lines ?? []).map((l) => ({ customer: b!.customer.code, email: b!.email, invoice: l.invoice, level: l.level.name, due_date: l.dueDate, days_overdue: l.days, open: money(l.open, l.currency), currency: l.currency, status: 'would send', reason: '' })),
            ...preview.skipped.map((s) => ({ ...skippedRow(s), email: '', days_overdue: null, status: 'skipped' })),
          ],
        });
      } else if (b && preview.message) {
        writeResult(rt, `To: ${b.email}\nSubject: ${preview.message.subject}\n\n${preview.message.text}`);
      }
      if (!b) note(rt, `nothing would be sent to ${preview.customer.code} as of ${preview.asOf}`);
      else if (b.placesHold) note(rt, `sending this puts ${preview.customer.code} on credit hold (remind.hold_level)`);
      for (const s of preview.skipped) note(rt, `skipped ${s.invoice} (${s.level}): ${s.reason}`);
    }));
}
