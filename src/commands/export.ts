import { extname } from 'node:path';
import type { Command } from 'commander';
import { action, commandPath, type Io } from '../cli/action.js';
import { readBook } from '../cli/book.js';
import { dateOption } from '../cli/options.js';
import { emitListingStream, writeChunks } from '../cli/output.js';
import type { Listing } from '../cli/render/index.js';
import { resolveRuntime, type GlobalOptions, type Runtime } from '../cli/runtime.js';
import { UsageError } from '../domain/errors.js';
import { exportJournal } from '../domain/journal/export-journal.js';
import { EXPORT_COLUMNS, EXPORT_SETS, exportRecords, type ExportColumn, type ExportSet } from '../domain/journal/exports.js';
import { isJournalFormat, journalChunks, JOURNAL_FORMATS, type JournalFormat } from '../domain/journal/format.js';

interface RangeOptions {
  from?: string;
  to?: string;
}

const SET_DESCRIPTIONS: Record<ExportSet, string> = {
  customers: 'customers in the import column set',
  products: 'products in the import column set (stock: on hand, stocked products only)',
  orders: 'order lines, one row per line, in the import column set (+ state)',
  invoices: 'invoices and credit notes in the import column set (+ kind)',
  receipts: 'receipts in the import column set; reference is the RC number (+ reversed_on)',
  allocations: 'allocations (核销): receipts, credit notes, write-offs and adjustments against invoices',
};

/**
 * The program's global `--format` takes table|csv|json; `owed export journal --format hledger`
 * (CLI.md) needs the journal formats to get past that check too. Commander parses global options
 * wherever they appear, so they are let through here and validated again where they are used:
 * every other command still refuses them with exit 2 (runtime.ts: unknown format). buildProgram
 * calls it for every run, whichever command group it builds.
 */
export function acceptJournalFormats(program: Command): void {
  const option = program.options.find((o) => o.long === '--format');
  const parse = option?.parseArg;
  if (!option || !parse) return;
  option.parseArg = (<T>(value: string, previous: T): T => (isJournalFormat(value) ? (value as T) : (parse.call(option, value, previous) as T))) as typeof parse;
}

function journalFormatFromPath(path: string): JournalFormat {
  switch (extname(path).toLowerCase()) {
    case '.ledger':
    case '.dat':
      return 'ledger';
    case '.beancount':
    case '.bean':
      return 'beancount';
    case '.csv':
      return 'csv';
    default:
      return 'hledger';
  }
}

/**
 * Like cli/action.ts, but the format is the journal's own: --format FORMAT, else from the -o
 * file's extension (.journal/.hledger, .ledger/.dat, .beancount/.bean, .csv), else hledger.
 * OWED_FORMAT and the config file's format are for reports, and are not used here.
 */
function journalAction(io: Io, handler: (rt: Runtime, format: JournalFormat, options: RangeOptions) => Promise<void>) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params[params.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions;
    if (globals.json) throw new UsageError('--json does not apply to a journal', `use --format ${JOURNAL_FORMATS.join('|')}`);
    const requested = globals.format;
    if (requested !== undefined && !isJournalFormat(requested)) {
      throw new UsageError(`a journal is not written as ${requested}`, `use --format ${JOURNAL_FORMATS.join('|')}`);
    }
    const { format: _format, json: _json, ...rest } = globals;
    const rt = resolveRuntime({ ...rest, format: 'csv' }, commandPath(command), io.streams, io.env, io.cwd);
    const format = requested ?? (rt.output !== undefined ? journalFormatFromPath(rt.output) : 'hledger');
    await handler(rt, format, command.opts() as RangeOptions);
  };
}


function range(o: RangeOptions): { from: string | null; to: string | null } {
  return { from: o.from ?? null, to: o.to ?? null };
}

/** An export's columns as a listing's: the import column set's keys are also the headers. */
function exportColumns(columns: readonly ExportColumn[]): Listing['columns'] {
  return columns.map((c) => ({
    key: c.key,
    header: c.key,
    kind: c.kind === 'money' ? ('money' as const) : c.kind === 'integer' ? ('integer' as const) : c.kind === 'date' ? ('date' as const) : ('text' as const),
  }));
}

export function registerExport(program: Command, io: Io): void {
  const group = program
    .command('export')
    .description('write the book out: records in the import column sets (CSV, JSON), or a double-entry journal (hledger, ledger, beancount, CSV)')
    .addHelpText('after', `
Examples:
  $ owed export customers -o customers.csv
  $ owed export invoices --from 2026-01-01 --to 2026-06-30 --json
  $ owed export journal --format hledger -o book.journal && hledger -f book.journal bal`);

  for (const set of EXPORT_SETS) {
    const dated = set !== 'customers' && set !== 'products';
    const command = group.command(set).description(SET_DESCRIPTIONS[set]);
    if (dated) {
      command
        .option('--from <YYYY-MM-DD>', 'only records dated on or after this date', dateOption)
        .option('--to <YYYY-MM-DD>', 'only records dated on or before this date', dateOption);
    }
    command
      .addHelpText('after', `
Columns: ${EXPORT_COLUMNS[set].map((c) => c.key).join(',')}
CSV by default (--format csv|json, or -o FILE.csv|FILE.json); amounts are decimals in the
record's currency, dates YYYY-MM-DD, empty fields empty (null in JSON).
Example:
  $ owed export ${set}${dated ? ' --from 2026-01-01' : ''} -o ${set}.csv`)
      .action(action<RangeOptions>(io, async (rt, _args, o) => {
        // CSV unless a table is asked for by name (a report's default format is not an export's).
        const table = rt.format === 'table' && (command.optsWithGlobals() as GlobalOptions).format === 'table';
        const format = table ? 'table' : rt.format === 'json' ? 'json' : 'csv';
        // A table of more than 20,000 records reads them twice (widths, then lines), in the one transaction.
        await readBook(rt, (store) => emitListingStream({ ...rt, format }, { columns: exportColumns(EXPORT_COLUMNS[set]) }, () => exportRecords(store, set, range(o)).batches));
      }));
  }

  group
    .command('journal')
    .description('the double-entry journal: one balanced transaction per document, in date order')
    .option('--from <YYYY-MM-DD>', 'documents dated on or after this date, after an opening-balances transaction dated the day before', dateOption)
    .option('--to <YYYY-MM-DD>', 'documents dated on or before this date', dateOption)
    .addHelpText('after', `
--format hledger|ledger|beancount|csv   the journal's format (default hledger; csv is one row per
    posting: date,transaction,account,amount,currency,description). Without --format the -o
    file's extension decides (.ledger, .beancount, .csv; anything else hledger).
Accounts are settings (owed settings list): journal.account.receivable (one sub-account
per customer code), .bank, .cash, .sales, .vat_output, .bad_debts, .customer_credit, .discounts,
.opening. The export checks itself: every transaction balances per currency and the receivable
account at the end equals the documents (what aging adds up to). See docs/JOURNAL.md.
Examples:
  $ owed export journal --format hledger -o book.journal
  $ hledger -f book.journal bal Assets:Receivable -e 2026-12-01
  $ owed export journal --format ledger --from 2026-01-01 --to 2026-12-31 -o 2026.ledger
  $ owed export journal --format beancount -o book.beancount`)
    .action(journalAction(io, async (rt, format, o) => {
      const options = { ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}) };
      // Written while the documents are read, inside the command's one transaction.
      await readBook(rt, async (store) => writeChunks(rt, journalChunks(format, await exportJournal(store, options))));
    }));
}
