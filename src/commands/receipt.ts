import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { amountOption, choiceOption, dateOption } from '../cli/options.js';
import { emitCreated, emitListing, emitListingStream, note, writeResult } from '../cli/output.js';
import { renderJson, renderTable, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { NotFoundError } from '../domain/errors.js';
import { formatMoney } from '../domain/money/index.js';
import type { Allocation, ReceiptBalance } from '../domain/receivables/receipt.js';
import { RECEIPT_METHODS } from '../domain/receivables/receipt.js';
import { assignReceipt, reverseReceipt } from '../domain/receivables/receipt-changes.js';
import { reconcileApply, reconcileAuto, parseTargets } from '../domain/receivables/reconcile.js';
import { recordReceipt } from '../domain/receivables/record-receipt.js';

const LIST_COLUMNS: Listing['columns'] = [
  { key: 'number', header: 'Receipt' },
  { key: 'date', header: 'Date', kind: 'date' },
  { key: 'customer', header: 'Customer' },
  { key: 'name', header: 'Name' },
  { key: 'method', header: 'Method' },
  { key: 'currency', header: 'Cur' },
  { key: 'amount', header: 'Amount', kind: 'money' },
  { key: 'applied', header: 'Applied', kind: 'money' },
  { key: 'unapplied', header: 'Unapplied', kind: 'money' },
  { key: 'bank_ref', header: 'Bank ref' },
  { key: 'status', header: 'Status' },
];

export const ALLOCATION_COLUMNS: Listing['columns'] = [
  { key: 'id', header: 'Id', kind: 'integer' },
  { key: 'date', header: 'Date', kind: 'date' },
  { key: 'batch', header: 'Batch' },
  { key: 'source', header: 'From' },
  { key: 'invoice', header: 'Invoice' },
  { key: 'customer', header: 'Customer' },
  { key: 'amount', header: 'Amount', kind: 'money' },
  { key: 'rule', header: 'Rule' },
  { key: 'note', header: 'Note' },
  { key: 'reverses', header: 'Reverses', kind: 'integer' },
  { key: 'reversed_by', header: 'Reversed by', kind: 'integer' },
];

export function allocationRow(a: Allocation) {
  return {
    id: a.id,
    date: a.date,
    batch: a.batch,
    source: a.sourceKind === 'adjustment' ? `${a.sourceNumber} (adjustment)` : a.sourceNumber,
    source_kind: a.sourceKind,
    invoice: a.invoice,
    customer: a.customer,
    currency: a.amount.currency,
    amount: a.amount,
    rule: a.rule,
    note: a.note,
    reverses: a.reverses,
    reversed_by: a.reversedBy,
  };
}

function status(b: ReceiptBalance): string {
  if (b.receipt.reversal) return 'reversed';
  if (b.receipt.customer === null) return 'unidentified';
  if (b.unapplied.minor === 0) return 'applied';
  return b.applied.minor === 0 ? 'unapplied' : 'partly applied';
}

function receiptRow(b: ReceiptBalance) {
  const r = b.receipt;
  return {
    number: r.number,
    date: r.date,
    customer: r.customer,
    name: r.customerName,
    method: r.method,
    currency: r.amount.currency,
    amount: r.amount,
    applied: b.applied,
    unapplied: b.unapplied,
    bank_ref: r.bankRef,
    memo: r.memo,
    status: status(b),
  };
}

export function receiptListing(list: readonly ReceiptBalance[]): Listing {
  return { columns: LIST_COLUMNS, rows: list.map(receiptRow) };
}

function emitReceipt(rt: Runtime, b: ReceiptBalance, allocations: readonly Allocation[]): void {
  const row = receiptRow(b);
  const rows = allocations.map(allocationRow);
  if (rt.format === 'json') {
    writeResult(rt, renderJson({ ...row, reversal: b.receipt.reversal, allocations: rows }));
    return;
  }
  if (rt.format === 'csv') {
    emitListing(rt, { columns: ALLOCATION_COLUMNS, rows });
    return;
  }
  const r = b.receipt;
  const head = [
    `Receipt ${r.number}  ${r.date}  ${r.customer ? `${r.customer} ${r.customerName}` : '(unidentified)'}  ${r.method}${r.bankRef ? `  ref ${r.bankRef}` : ''}`,
    r.memo ? `memo: ${r.memo}` : null,
    r.reversal ? `reversed on ${r.reversal.date}: ${r.reversal.reason}` : null,
    `amount ${formatMoney(r.amount)}  applied ${formatMoney(b.applied)}  unapplied ${formatMoney(b.unapplied)} ${r.amount.currency}`,
  ].filter((x): x is string => x !== null);
  writeResult(rt, `${head.join('\n')}\n\n${renderTable({ columns: ALLOCATION_COLUMNS, rows }, { color: rt.color })}`);
}

export function registerReceipt(program: Command, io: Io): void {
  program
    .command('receive')
    .description('record cash received (RC-…); the bank reference makes it safe to enter twice')
    .requiredOption('--amount <amount>', 'amount received, in major units', amountOption)
    .option('--customer <code>', 'who paid; leave out for unidentified cash')
    .option('--date <YYYY-MM-DD>', 'value date (default: today)', dateOption)
    .option('--method <method>', `how it was paid: ${RECEIPT_METHODS.join(', ')} (default bank)`, choiceOption(RECEIPT_METHODS))
    .option('--ref <bankref>', 'the bank’s reference for this payment: its idempotency key')
    .option('--memo <text>', 'what the payer wrote (invoice numbers here help reconcile auto)')
    .option('--currency <code>', 'currency (default: the customer’s, else currency.base)')
    .option('--apply <how>', 'auto (reconcile this customer now), none (default), or INV[:AMOUNT],… by hand', 'none')
    .addHelpText('after', `
Examples:
  $ owed receive --customer C001 --amount 5721.00 --ref 20261203-88231 --memo "付款 INV-2026-000001"
  $ owed receive --customer C001 --amount 10000 --apply INV-2026-000001,INV-2026-000002:4278.90
  $ owed receive --amount 300 --memo "unknown payer"        # unidentified cash`)
    .action(action<{ amount: string; customer?: string; date?: string; method?: string; ref?: string; memo?: string; currency?: string; apply: string }>(io, async (rt, _args, o) => {
      const result = await withBook(rt, async (store, actor) => {
        const recorded = await recordReceipt(store, actor, {
          amount: o.amount,
          ...(o.customer !== undefined ? { customer: o.customer } : {}),
          ...(o.date !== undefined ? { date: o.date } : {}),
          ...(o.method !== undefined ? { method: o.method } : {}),
          ...(o.ref !== undefined ? { reference: o.ref } : {}),
          ...(o.memo !== undefined ? { memo: o.memo } : {}),
          ...(o.currency !== undefined ? { currency: o.currency } : {}),
        });
        let applied: string | null = null;
        if (!recorded.replayed && o.apply !== 'none') {
          if (o.apply === 'auto') {
            if (recorded.receipt.customer !== null) {
              applied = (await reconcileAuto(store, actor, { customer: recorded.receipt.customer })).batch;
            }
          } else {
            applied = (await reconcileApply(store, actor, recorded.receipt.number, parseTargets([o.apply]))).batch;
          }
        }
        return { ...recorded, applied, balance: await store.receipts.balance(recorded.receipt.number, '9999-12-31') };
      });
      const r = result.receipt;
      emitCreated(rt, 'number', r.number, {
        replayed: result.replayed,
        batch: result.applied,
        amount: formatMoney(r.amount, { grouping: false }),
        unapplied: formatMoney(result.balance.unapplied, { grouping: false }),
        currency: r.amount.currency,
      });
      note(rt, result.replayed
        ? `already recorded as ${r.number}: nothing changed`
        : `recorded ${r.number}: ${formatMoney(r.amount)} ${r.amount.currency}${r.customer ? ` from ${r.customer}` : ' (unidentified)'}; ${formatMoney(result.balance.unapplied)} unapplied${result.applied ? ` after ${result.applied}` : ''}`);
    }));

  const receipt = program.command('receipt').description('receipts: list, show, reverse (bounced), assign (unidentified cash)')
    .addHelpText('after', `\nExamples:\n  $ owed receipt list --unapplied\n  $ owed receipt reverse RC-2026-000004 --reason "cheque bounced"`);

  receipt
    .command('list')
    .description('receipts with what is applied and unapplied')
    .option('--unapplied', 'only receipts with cash left to apply')
    .option('--unidentified', 'only receipts without a customer')
    .option('--customer <code>', 'only this customer')
    .addHelpText('after', `
Example:
  $ owed receipt list --unapplied`)
    .action(action<{ unapplied?: boolean; unidentified?: boolean; customer?: string }>(io, async (rt, _args, o) => {
      const filter = {
        ...(o.customer !== undefined ? { customer: o.customer } : {}),
        ...(o.unapplied ? { unappliedOnly: true } : {}),
        ...(o.unidentified ? { unidentifiedOnly: true } : {}),
      };
      await readBook(rt, (store) => emitListingStream(rt, { columns: LIST_COLUMNS }, async function* () {
        for await (const list of store.receipts.stream(filter, rt.today)) yield list.map(receiptRow);
      }));
    }));

  receipt
    .command('show')
    .description('a receipt with its allocations')
    .argument('<receipt>', 'RC-…')
    .addHelpText('after', `
Example:
  $ owed receipt show RC-2026-000001 --json`)
    .action(action(io, async (rt, args) => {
      const found = await readBook(rt, async (store) => {
        const r = await store.receipts.find(args[0]!);
        if (!r) return undefined;
        return { balance: await store.receipts.balance(r.number, rt.today), allocations: await store.allocations.list({ receipt: r.number }) };
      });
      if (!found) throw new NotFoundError('receipt', args[0]!, 'list receipts with: owed receipt list');
      emitReceipt(rt, found.balance, found.allocations);
    }));

  receipt
    .command('reverse')
    .description('reverse a receipt (bounced or returned payment): its allocations are reversed as of that date')
    .argument('<receipt>', 'RC-…')
    .option('--reason <text>', 'why (required)')
    .option('--date <YYYY-MM-DD>', 'date of the reversal (default: today)', dateOption)
    .addHelpText('after', `
Example:
  $ owed receipt reverse RC-2026-000004 --reason "cheque bounced"`)
    .action(action<{ reason?: string; date?: string }>(io, async (rt, args, o) => {
      const result = await withBook(rt, (store, actor) =>
        reverseReceipt(store, actor, args[0]!, { ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(o.date !== undefined ? { date: o.date } : {}) }));
      emitCreated(rt, 'number', result.receipt.number, { batch: result.batch, reversed_on: result.receipt.reversal?.date });
      note(rt, `reversed ${result.receipt.number} on ${result.receipt.reversal?.date}${result.batch ? `; allocations reversed in ${result.batch}` : ''}`);
    }));

  receipt
    .command('assign')
    .description('attach unidentified cash to the customer who sent it')
    .argument('<receipt>', 'RC-…')
    .argument('<customer>', 'customer code')
    .addHelpText('after', `
Example:
  $ owed receipt assign RC-2026-000007 C003`)
    .action(action(io, async (rt, args) => {
      const r = await withBook(rt, (store, actor) => assignReceipt(store, actor, args[0]!, args[1]!));
      emitCreated(rt, 'number', r.number, { customer: r.customer });
      note(rt, `${r.number} now belongs to ${r.customer} ${r.customerName}`);
    }));
}
