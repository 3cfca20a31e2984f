import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBookCsv, type BookCsv } from '../../src/fixtures/book-csv.js';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { tempDir } from './helpers.js';

/**
 * Imports large enough to take the bulk path (docs/IMPORT.md, "Speed": past the setting
 * import.bulk_after, SQLite builds the indexes and balances of what it imported set-based at the
 * end; lowered here from 50,000 so that files of a few thousand rows take it), through the
 * built binary: the book they make passes `owed db check`, ages to the cent of the files, takes
 * the same files again as already present; and one bad row at the end of a large file, or a dry
 * run, writes nothing.
 */
const SLOW = 300_000;
const BULK_AFTER = 2000;
/** Enough invoices that the receipts (about 0.88 of them) pass BULK_AFTER by a few batches too. */
const INVOICES = 7000;
const AS_OF = '2026-11-27';

/** A decimal amount of the files, in minor units. */
function minor(text: string): bigint {
  const [units, cents = ''] = text.split('.');
  const value = BigInt(units!.replace('-', '')) * 100n + BigInt(cents.padEnd(2, '0'));
  return text.startsWith('-') ? -value : value;
}

function decimal(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Per currency: invoices less credit notes, less receipts when given — what the aging's totals must say. */
function expectedTotals(csv: BookCsv, withReceipts: boolean): Record<string, string> {
  const sums = new Map<string, bigint>();
  const add = (currency: string, amount: bigint) => sums.set(currency, (sums.get(currency) ?? 0n) + amount);
  for (const r of parse(fs.readFileSync(csv.invoices.path), { columns: true }) as Record<string, string>[]) {
    add(r.currency!, r.kind === 'credit_note' ? -minor(r.total!) : minor(r.total!));
  }
  if (withReceipts) for (const r of parse(fs.readFileSync(csv.receipts.path), { columns: true }) as Record<string, string>[]) add(r.currency!, -minor(r.amount!));
  return Object.fromEntries([...sums].sort(([a], [b]) => a.localeCompare(b)).map(([c, v]) => [c, decimal(v)]));
}

describe.each(testEngines())('%s', (engine) => {
  let book: ScratchDatabase;
  let tmp: { dir: string; remove: () => void };
  let csv: BookCsv;
  const cli = (...args: string[]) => owed(['--db', book.dbArg, ...args]);

  beforeEach(async () => {
    tmp = tempDir('owed-import-bulk-');
    csv = await writeBookCsv({ invoices: INVOICES, dir: tmp.dir });
    book = await scratchDatabase(engine);
    for (const args of [['init'], ['settings', 'set', 'import.bulk_after', String(BULK_AFTER)], ['import', 'customers', csv.customers.path]]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(0);
    }
  }, SLOW);
  afterEach(async () => {
    tmp.remove();
    await book.drop();
  });

  async function agingTotals(): Promise<Record<string, string>> {
    const r = await cli('aging', '--as-of', AS_OF, '--json');
    expect(r.code, r.stderr).toBe(0);
    const totals = (JSON.parse(r.stdout) as { totals: { currency: string; total: string }[] }).totals;
    return Object.fromEntries(totals.map((t) => [t.currency, t.total]));
  }

  async function checked(): Promise<void> {
    const r = await cli('db', 'check');
    expect(r.stderr).toBe('all 6 checks passed\n');
    expect(r.code, r.stdout).toBe(0);
  }

  it('a large import makes the book a small one would: checked, aged to the cent, idempotent', async () => {
    expect(csv.invoices.rows).toBeGreaterThan(2 * BULK_AFTER);
    expect(csv.receipts.rows).toBeGreaterThan(2 * BULK_AFTER);
    const invoices = await cli('import', 'invoices', csv.invoices.path);
    expect(invoices.stderr).toBe('');
    expect(invoices.stdout).toBe(`invoices: ${csv.invoices.rows} rows read, created ${csv.invoices.rows}, 0 already present\n`);
    expect(invoices.code).toBe(0);
    await checked();
    expect(await agingTotals()).toEqual(expectedTotals(csv, false));

    const receipts = await cli('import', 'receipts', csv.receipts.path);
    expect(receipts.stderr).toBe('');
    expect(receipts.stdout).toBe(`receipts: ${csv.receipts.rows} rows read, created ${csv.receipts.rows}, 0 already present\n`);
    expect(receipts.code).toBe(0);
    await checked();
    expect(await agingTotals()).toEqual(expectedTotals(csv, true));

    const again = await cli('import', 'invoices', csv.invoices.path);
    expect(again.stdout).toBe(`invoices: ${csv.invoices.rows} rows read, created 0, ${csv.invoices.rows} already present\n`);
    expect(again.code).toBe(0);
    // Issued after the import, an invoice gets its balance: the triggers are back.
    const issued = await cli('--today', AS_OF, 'receive', '--customer', 'G0000001', '--amount', '0.01', '--date', AS_OF, '--ref', 'AFTER-BULK');
    expect(issued.code, issued.stderr).toBe(0);
    await checked();
  }, SLOW);

  it('receipts that arrive bounced (reversed_on), written one row at a time once deferred, keep their reversals and balances', async () => {
    const lines = fs.readFileSync(csv.receipts.path, 'utf8').trimEnd().split('\n');
    // Every 7th receipt bounced on its own date: early ones through the triggers, most on the bulk path.
    const bounced = lines.slice(1).flatMap((line, i) => (i % 7 === 3 ? [line.split(',')[0]!] : []));
    const file = path.join(tmp.dir, 'bounced-receipts.csv');
    fs.writeFileSync(file, `${[`${lines[0]},reversed_on`, ...lines.slice(1).map((line, i) => `${line},${i % 7 === 3 ? line.split(',')[0] : ''}`)].join('\n')}\n`);
    expect(bounced.length * 7).toBeGreaterThan(2 * BULK_AFTER);

    const imported = await cli('import', 'receipts', file);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe(`receipts: ${csv.receipts.rows} rows read, created ${csv.receipts.rows}, 0 already present\n`);
    await checked();
    const exported = await cli('export', 'receipts', '--json');
    expect(exported.code, exported.stderr).toBe(0);
    const reversals = (JSON.parse(exported.stdout) as { date: string; reversed_on: string | null }[]).filter((r) => r.reversed_on !== null);
    expect(reversals.map((r) => r.reversed_on)).toEqual(bounced);
    expect(reversals.every((r) => r.reversed_on === r.date)).toBe(true);

    const again = await cli('import', 'receipts', file);
    expect(again.stdout).toBe(`receipts: ${csv.receipts.rows} rows read, created 0, ${csv.receipts.rows} already present\n`);
    expect(again.code).toBe(0);
  }, SLOW);

  it('one bad row at the end of a large file, or a dry run, writes nothing', async () => {
    const before = await snapshot(book.target);
    const lines = fs.readFileSync(csv.receipts.path, 'utf8').trimEnd().split('\n');
    const bad = path.join(tmp.dir, 'bad-receipts.csv');
    fs.writeFileSync(bad, `${[...lines, '2026/13/01,100.00,G0000001,CNY,,late row,bank,BK-LATE'].join('\n')}\n`);
    const refused = await cli('import', 'receipts', bad);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`line ${lines.length + 1}`);
    expect(refused.stderr).toContain('2026/13/01');

    const invoiceLines = fs.readFileSync(csv.invoices.path, 'utf8').trimEnd().split('\n');
    const unknown = path.join(tmp.dir, 'unknown-customer.csv');
    fs.writeFileSync(unknown, `${[...invoiceLines, 'LATE-1,NOBODY,2026-11-27,100.00,2026-12-27,CNY,,,,,invoice'].join('\n')}\n`);
    const unknownCustomer = await cli('import', 'invoices', unknown);
    expect(unknownCustomer.code).toBe(3);
    expect(unknownCustomer.stderr).toContain(`line ${invoiceLines.length + 1}`);
    expect(unknownCustomer.stderr).toContain('NOBODY');

    const dryRun = await cli('import', 'invoices', csv.invoices.path, '--dry-run');
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`${csv.invoices.rows}`);
    expect(await snapshot(book.target)).toBe(before);
    await checked();
  }, SLOW);
});
