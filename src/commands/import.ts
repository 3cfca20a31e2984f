import fs from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { action, type Io } from '../cli/action.js';
import { withBook } from '../cli/book.js';
import { choiceOption } from '../cli/options.js';
import { note, writeResult } from '../cli/output.js';
import { renderJson } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { UsageError, ValidationError } from '../domain/errors.js';
import { customerImporter } from '../domain/import/entities/customers.js';
import { createInvoiceImporter } from '../domain/import/entities/invoices.js';
import { createOrderImporter } from '../domain/import/entities/orders.js';
import { productImporter } from '../domain/import/entities/products.js';
import { createReceiptImporter } from '../domain/import/entities/receipts.js';
import type { EntityImporter, SourceRow } from '../domain/import/importer.js';
import { createMapper } from '../domain/import/mapping.js';
import { NO_RULES, parseRules, type ImportRules } from '../domain/import/rules.js';
import { DryRunResult, runImport, type ImportReport, type IncomingRow } from '../domain/import/run-import.js';
import type { Permission } from '../domain/users/roles.js';
import type { Encoding } from '../io/read-csv.js';

const ENTITIES = ['customers', 'products', 'orders', 'invoices', 'receipts'] as const;
type Entity = (typeof ENTITIES)[number];

interface ImportOptions {
  rules?: string;
  dryRun?: boolean;
  partial?: boolean;
  rejects?: string;
  encoding?: Encoding;
  update?: boolean;
  reconcile?: boolean;
  approve?: boolean;
}

function importerFor(entity: Entity, o: ImportOptions): { importer: EntityImporter<unknown>; permission: Permission } {
  switch (entity) {
    case 'customers':
      return { importer: customerImporter as EntityImporter<unknown>, permission: 'master-data' };
    case 'products':
      return { importer: productImporter as EntityImporter<unknown>, permission: 'master-data' };
    case 'orders':
      return { importer: createOrderImporter({ approve: Boolean(o.approve) }) as EntityImporter<unknown>, permission: 'sales' };
    case 'invoices':
      return { importer: createInvoiceImporter() as EntityImporter<unknown>, permission: 'finance' };
    case 'receipts':
      return { importer: createReceiptImporter({ reconcile: Boolean(o.reconcile) }) as EntityImporter<unknown>, permission: 'finance' };
  }
}

function loadRules(file: string): ImportRules {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new UsageError(`cannot read the rules file ${file}: ${(error as Error).message}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // A rules file saved next to a GBK statement is often GBK itself.
    text = new TextDecoder('gb18030').decode(bytes);
  }
  return parseRules(text, file);
}

/** Required columns must come from the header, a column rule, a credit column or a default. */
function checkColumns(importer: EntityImporter<unknown>, rules: ImportRules, header: readonly string[] | null, name: string): void {
  const present = new Set(header?.map((h) => h.trim().toLowerCase()) ?? []);
  const missing = importer.required.filter((c) =>
    !present.has(c) && !rules.columns.has(c) && !rules.defaults.has(c) && !(c === 'amount' && rules.credit !== undefined));
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map((c) => ({ row: 1 + rules.skip, field: name, value: c, reason: `required column "${c}" is missing` })),
      `${importer.entity} need the columns ${importer.required.join(', ')}${header ? `; the file has ${header.join(', ')}` : ''}; a --rules file can map other names`,
    );
  }
}

function reportLines(r: ImportReport): string {
  const verb = r.dryRun ? 'would create' : 'created';
  const parts = [`${r.read} rows read${r.records !== undefined ? ` (${r.records} ${r.entity})` : ''}`, `${verb} ${r.created}`];
  if (r.updated > 0) parts.push(`${r.dryRun ? 'would update' : 'updated'} ${r.updated}`);
  parts.push(`${r.present} already present`);
  if (r.skipped > 0) parts.push(`${r.skipped} skipped by the rules`);
  if (r.rejected > 0) parts.push(`${r.rejected} rejected`);
  return `${r.entity}: ${parts.join(', ')}${r.dryRun ? ' (dry run: nothing was written)' : ''}`;
}

async function runFromFile(rt: Runtime, entity: Entity, file: string, o: ImportOptions, stdin: NodeJS.ReadableStream): Promise<ImportReport> {
  if (o.partial && !o.rejects) throw new UsageError('--partial needs --rejects FILE for the rows it sets aside');
  if (o.rejects && !o.partial) throw new UsageError('--rejects goes with --partial');
  if (o.reconcile && entity !== 'receipts') throw new UsageError('--reconcile is for receipts');
  if (o.approve && entity !== 'orders') throw new UsageError('--approve is for orders');
  const rules = o.rules ? loadRules(o.rules) : NO_RULES;
  const { importer, permission } = importerFor(entity, o);
  // The CSV reader and iconv-lite are loaded by the command that reads CSV, not by every command.
  const { openInput, readCsv } = await import('../io/read-csv.js');
  const input = openInput(file, stdin as never);
  const source = await readCsv(input.stream, {
    encoding: o.encoding ?? (rules.encoding as Encoding | undefined) ?? 'utf8',
    ...(rules.separator !== undefined ? { separator: rules.separator } : {}),
    skip: rules.skip,
    header: rules.header,
    name: input.name,
    ...(input.reopen ? { reopen: input.reopen } : {}),
  });
  checkColumns(importer, rules, source.header, input.name);
  const mapper = createMapper(rules, source.header, importer.columns);

  let rejects: fs.WriteStream | undefined;
  const reject = (row: SourceRow, reason: string) => {
    if (!rejects) {
      rejects = fs.createWriteStream(o.rejects!);
      rejects.write(stringify([[...(source.header ?? row.values.map((_, i) => `column ${i + 1}`)), 'error']]));
    }
    rejects.write(stringify([[...row.values, `line ${row.line}: ${reason}`]]));
  };
  const progress = rt.streams.stderr.isTTY && !rt.quiet;
  async function* rows(): AsyncGenerator<IncomingRow[]> {
    let n = 0;
    for await (const chunk of source.records) {
      const out = new Array<IncomingRow>(chunk.length);
      for (let i = 0; i < chunk.length; i++) {
        const { line, values } = chunk[i]!;
        const mapped = mapper(values);
        out[i] = mapped.skipped === undefined && mapped.problems === undefined && mapped.original === undefined
          ? { line, values, fields: mapped.fields }
          : {
            line,
            values,
            fields: mapped.fields,
            ...(mapped.original ? { original: mapped.original } : {}),
            ...(mapped.skipped !== undefined ? { skipped: mapped.skipped } : {}),
            ...(mapped.problems ? { problems: mapped.problems.map((p) => ({ row: line, ...p })) } : {}),
          };
      }
      if (progress && Math.floor((n + chunk.length) / 10_000) > Math.floor(n / 10_000)) {
        rt.streams.stderr.write(`\r${entity}: ${(n + chunk.length).toLocaleString('en')} rows…`);
      }
      n += chunk.length;
      yield out;
    }
    if (progress && n >= 10_000) rt.streams.stderr.write('\r\x1b[K');
  }
  try {
    return await withBook(rt, (store, actor) =>
      runImport(store, actor, importer, permission, rows(), { dryRun: Boolean(o.dryRun), partial: Boolean(o.partial), update: Boolean(o.update) }, reject));
  } catch (error) {
    if (error instanceof DryRunResult) return error.report;
    throw error;
  } finally {
    if (rejects) await new Promise<void>((resolve) => rejects!.end(resolve));
  }
}

export function registerImport(program: Command, io: Io, stdin: NodeJS.ReadableStream): void {
  program
    .command('import')
    .description('import CSV: customers, products, orders (drafts, or approved through the credit check), invoices (opening balances), receipts (bank statements)')
    .argument('<entity>', ENTITIES.join('|'), choiceOption(ENTITIES))
    .argument('<file>', 'CSV file, or - for standard input')
    .option('--rules <file>', 'a mapping rules file for other layouts (see docs/IMPORT.md)')
    .option('--dry-run', 'check everything and report what would happen; write nothing')
    .option('--partial', 'import the valid rows; set the bad ones aside (needs --rejects)')
    .option('--rejects <file>', 'where --partial writes the bad rows, with an error column')
    .option('--encoding <encoding>', 'utf8 (default), gbk, gb18030 or auto', choiceOption(['utf8', 'gbk', 'gb18030', 'auto'] as const))
    .option('--update', 'customers: a changed row under an existing code updates it instead of conflicting')
    .option('--reconcile', 'receipts: run reconcile auto on what was imported')
    .option('--approve', 'orders: approve the rows marked approved, through the credit check and stock reservation (else they stay drafts)')
    .addHelpText('after', `
Importing is all or nothing, and idempotent: a file imported twice, or an overlapping bank
statement, creates nothing new and says how many rows were already present.
Examples:
  $ owed import customers customers.csv --dry-run
  $ owed import receipts 工行流水.csv --rules fixtures/import/icbc.rules --encoding gbk --reconcile
  $ owed import orders open-orders.csv --dry-run
  $ owed import invoices opening.csv --partial --rejects rejected.csv`)
    .action(action<ImportOptions>(io, async (rt, args, o) => {
      const report = await runFromFile(rt, args[0] as Entity, args[1]!, o, stdin);
      if (rt.format === 'json') {
        writeResult(rt, renderJson({
          entity: report.entity, dry_run: report.dryRun, read: report.read, ...(report.records !== undefined ? { records: report.records } : {}), created: report.created, updated: report.updated,
          present: report.present, skipped: report.skipped, rejected: report.rejected, ...report.extra,
        }));
      } else {
        writeResult(rt, `${reportLines(report)}\n`);
      }
      if (report.rejected > 0) note(rt, `${report.rejected} rows set aside in ${o.rejects}`);
      if (report.extra.awaiting_approval) note(rt, `${String(report.extra.awaiting_approval)} orders marked approved in the file were imported as drafts: approve them with owed order approve (credit check and stock), or import with --approve`);
      if (report.extra.reconcile_batch) note(rt, `reconciled in ${String(report.extra.reconcile_batch)}: ${String(report.extra.allocations)} allocations`);
    }));
}
