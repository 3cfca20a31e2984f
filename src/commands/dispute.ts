import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { withBook } from '../cli/book.js';
import { dateOption } from '../cli/options.js';
import { emitCreated, note } from '../cli/output.js';
import { disputeInvoice, undisputeInvoice } from '../domain/collections/reminders/dispute.js';
import { InvariantError } from '../domain/errors.js';

/** `owed invoice dispute` and `owed invoice undispute`: subcommands of `invoice` (register after it). */
export function registerDispute(program: Command, io: Io): void {
  const invoice = program.commands.find((c) => c.name() === 'invoice');
  if (invoice === undefined) throw new InvariantError('registerDispute must run after registerInvoice');

  invoice
    .command('dispute')
    .description('the customer disputes an invoice: reminders skip it until the dispute is closed')
    .argument('<invoice>', 'invoice number')
    .option('--reason <text>', 'what the customer disputes (required)')
    .option('--date <YYYY-MM-DD>', 'date the dispute was raised (default: today)', dateOption)
    .addHelpText('after', `
Example:
  $ owed invoice dispute INV-2026-000012 --reason "customer says 2 cartons arrived damaged"`)
    .action(action<{ reason?: string; date?: string }>(io, async (rt, args, o) => {
      const change = await withBook(rt, (store, actor) =>
        disputeInvoice(store, actor, args[0]!, { ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(o.date !== undefined ? { date: o.date } : {}) }));
      emitCreated(rt, 'number', change.invoice, { disputed: true, customer: change.customer, date: change.date, reason: change.reason });
      note(rt, `${change.invoice} is in dispute from ${change.date}: reminders skip it until owed invoice undispute ${change.invoice}`);
    }));

  invoice
    .command('undispute')
    .description('close the dispute on an invoice: reminders chase it again')
    .argument('<invoice>', 'invoice number')
    .option('--reason <text>', 'how the dispute was settled (required)')
    .option('--date <YYYY-MM-DD>', 'date the dispute was closed (default: today)', dateOption)
    .addHelpText('after', `
Example:
  $ owed invoice undispute INV-2026-000012 --reason "credit note CN-2026-000003 agreed"`)
    .action(action<{ reason?: string; date?: string }>(io, async (rt, args, o) => {
      const change = await withBook(rt, (store, actor) =>
        undisputeInvoice(store, actor, args[0]!, { ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(o.date !== undefined ? { date: o.date } : {}) }));
      emitCreated(rt, 'number', change.invoice, { disputed: false, customer: change.customer, date: change.date, reason: change.reason });
      note(rt, `${change.invoice} is no longer in dispute from ${change.date}: reminders chase it again`);
    }));
}
