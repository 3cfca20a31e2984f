import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBook } from '../../src/fixtures/generate-book.js';
import { loadBook } from '../../src/storage/bulk/load-book.js';
import { Database } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { owed } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { readJson, seed, tempDir } from './helpers.js';

/**
 * Exports are streamed in batches of 1,000 rows (storage/repositories/stream.ts). On a generated
 * book of a few thousand documents every set spans several batches: the output must be exactly
 * what rendering the whole set at once gives (valid JSON, one CSV header), and the journal must
 * still pass hledger and ledger and agree with aging, customer by customer.
 */

const CI = process.env.CI === 'true';
const installed = (tool: string) => spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;
const HAVE = { hledger: installed('hledger'), ledger: installed('ledger') };

function run(tool: string, args: readonly string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeout: 120_000, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** "4619.21" → 461921: exact, no floats (the generated book is CNY and USD, two digits). */
function minor(text: string): number {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(text.replace(/,/g, ''));
  if (!m) throw new Error(`not a two-digit decimal: ${text}`);
  const value = Number(m[2]) * 100 + Number(m[3]);
  return m[1] === '-' ? -value : value;
}

type Row = Record<string, string | number | null>;

const SETS = ['customers', 'invoices', 'receipts', 'allocations'] as const;

describe.each(testEngines())('%s: a book of 2,500 invoices', (engine) => {
  let db: ScratchDatabase;
  let tmp: { dir: string; remove: () => void };
  const json: Partial<Record<(typeof SETS)[number], { text: string; rows: Row[] }>> = {};

  beforeAll(async () => {
    tmp = tempDir('owed-export-stream-');
    db = await scratchDatabase(engine);
    const database = await Database.open(db.target, { create: true });
    try {
      await migrateToLatest(database.knex);
      await loadBook(database, generateBook({ invoices: 2500, user: 'tester' }));
    } finally {
      await database.close();
    }
    await seed(db.dbArg, ['init']);
    for (const set of SETS) {
      const r = await owed(['--db', db.dbArg, 'export', set, '--json']);
      expect(r.code, r.stderr).toBe(0);
      json[set] = { text: r.stdout, rows: JSON.parse(r.stdout) as Row[] };
    }
  }, 300_000);

  afterAll(async () => {
    await db?.drop();
    tmp?.remove();
  });

  it('JSON: one array across batches, byte for byte what rendering it whole gives', () => {
    expect(json.invoices!.rows.length).toBeGreaterThan(2500);
    expect(json.receipts!.rows.length).toBeGreaterThan(2000);
    expect(json.allocations!.rows.length).toBeGreaterThan(2000);
    for (const set of SETS) {
      const { text, rows } = json[set]!;
      expect(text, set).toBe(`${JSON.stringify(rows, null, 2)}\n`);
    }
    const numbers = json.invoices!.rows.map((r) => `${String(r.issue_date)} ${String(r.number)}`);
    expect([...numbers].sort(), 'issue date, then number').toEqual(numbers);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('CSV: one header, then every record once, in the order and with the values of the JSON', async () => {
    for (const set of SETS) {
      const r = await owed(['--db', db.dbArg, 'export', set]);
      expect(r.code, r.stderr).toBe(0);
      const rows = json[set]!.rows;
      const keys = Object.keys(rows[0]!);
      const expected = stringify([keys, ...rows.map((row) => keys.map((k) => (row[k] === null ? '' : String(row[k]))))], { record_delimiter: '\n', quoted_match: /\r/ });
      expect(r.stdout, set).toBe(expected);
      expect(r.stdout.split('\n').filter((line) => line === keys.join(',')).length, set).toBe(1);
    }
  }, 120_000);

  it('-o FILE writes the same bytes as stdout, and --from/--to cut the stream by date', async () => {
    const file = path.join(tmp.dir, 'receipts.json');
    const w = await owed(['--db', db.dbArg, 'export', 'receipts', '-o', file]);
    expect(w.code, w.stderr).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(json.receipts!.text);
    expect(fs.readdirSync(tmp.dir)).toEqual(['receipts.json']);

    const part = await readJson<Row[]>(db.dbArg, 'export', 'invoices', '--from', '2024-07-01', '--to', '2025-12-31');
    const expected = json.invoices!.rows.filter((r) => String(r.issue_date) >= '2024-07-01' && String(r.issue_date) <= '2025-12-31');
    expect(part.length).toBeGreaterThan(1000);
    expect(part).toEqual(expected);
  }, 120_000);

  it('-o a link writes the file it names; -o a FIFO writes into it and leaves it a FIFO (as -o /dev/null leaves the device)', async () => {
    const real = path.join(tmp.dir, 'linked', 'receipts.json');
    fs.mkdirSync(path.dirname(real));
    fs.writeFileSync(real, 'old');
    const link = path.join(tmp.dir, 'receipts-link.json');
    fs.symlinkSync(real, link);
    const linked = await owed(['--db', db.dbArg, 'export', 'receipts', '-o', link]);
    expect(linked.code, linked.stderr).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(real, 'utf8')).toBe(json.receipts!.text);

    const fifo = path.join(tmp.dir, 'receipts.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const received = path.join(tmp.dir, 'received.json');
    const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, received]);
    const readerDone = once(reader, 'exit');
    const piped = await owed(['--db', db.dbArg, 'export', 'receipts', '--format', 'json', '-o', fifo]);
    expect(piped.code, piped.stderr).toBe(0);
    expect((await readerDone)[0]).toBe(0);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    expect(fs.readFileSync(received, 'utf8')).toBe(json.receipts!.text);
    expect(fs.readdirSync(tmp.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    for (const f of [link, fifo, received]) fs.rmSync(f);
    fs.rmSync(path.dirname(real), { recursive: true });
  }, 120_000);

  it('the journal: one balanced transaction per document across batches; hledger and ledger agree with aging per customer', async () => {
    const csv = await owed(['--db', db.dbArg, 'export', 'journal', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const postings = parse(csv.stdout, { columns: true }) as { date: string; transaction: string; amount: string; currency: string }[];
    const sums = new Map<string, number>();
    for (const p of postings) sums.set(`${p.transaction} ${p.currency}`, (sums.get(`${p.transaction} ${p.currency}`) ?? 0) + minor(p.amount));
    expect([...sums].filter(([, s]) => s !== 0)).toEqual([]);
    const dates = postings.map((p) => p.date);
    expect([...dates].sort()).toEqual(dates);
    const reversals = json.receipts!.rows.filter((r) => r.reversed_on !== null).length;
    const writeOffs = new Set(json.allocations!.rows.filter((a) => a.source_kind === 'write_off').map((a) => a.source)).size;
    const adjustments = json.allocations!.rows.filter((a) => a.source_kind === 'adjustment').length;
    expect(writeOffs).toBeGreaterThan(0);
    expect(new Set(postings.map((p) => p.transaction)).size).toBe(json.invoices!.rows.length + json.receipts!.rows.length + reversals + writeOffs + adjustments);

    if (!HAVE.hledger && !HAVE.ledger && !CI) return;
    const hledgerFile = path.join(tmp.dir, 'book.journal');
    const ledgerFile = path.join(tmp.dir, 'book.ledger');
    for (const [format, file] of [['hledger', hledgerFile], ['ledger', ledgerFile]] as const) {
      const r = await owed(['--db', db.dbArg, 'export', 'journal', '--format', format, '-o', file]);
      expect(r.code, r.stderr).toBe(0);
    }
    run('hledger', ['-f', hledgerFile, 'check', '--strict', 'ordereddates']);
    run('ledger', ['-f', ledgerFile, '--pedantic', 'bal']);
    for (const asOf of ['2025-06-30', '2026-11-27']) {
      const aging = await readJson<{ rows: { customer: string | null; currency: string; total: string }[] }>(db.dbArg, 'aging', '--as-of', asOf);
      const expected = new Map(aging.rows.filter((r) => r.customer !== null && minor(r.total) !== 0).map((r) => [r.customer!, `${minor(r.total)} ${r.currency}`]));
      expect(expected.size).toBeGreaterThan(5);
      // -e is exclusive: the balance at the end of asOf is everything before the next day.
      const end = new Date(Date.parse(`${asOf}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      const out = run('hledger', ['-f', hledgerFile, 'bal', '^Assets:Receivable:', '-e', end, '--flat', '-N', '-O', 'csv']);
      const hledger = new Map(
        (parse(out, { columns: true }) as { account: string; balance: string }[])
          .map((r) => [r.account.replace(/^Assets:Receivable:/, ''), r.balance.split(' ')] as const)
          .filter(([, [amount]]) => minor(amount!) !== 0)
          .map(([customer, [amount, currency]]) => [customer, `${minor(amount!)} ${currency}`]),
      );
      expect(hledger, `hledger as of ${asOf}`).toEqual(expected);
      const lines = run('ledger', ['-f', ledgerFile, 'bal', '^Assets:Receivable:', '-e', end, '--flat', '--no-total']).split('\n').filter((line) => line.trim() !== '');
      const matches = lines.map((line) => /^\s*(-?[\d,]+\.\d{2}) ([A-Z]{3})\s{2,}Assets:Receivable:(\S+)$/.exec(line));
      expect(lines.filter((_, i) => matches[i] === null), 'ledger lines of one amount and account').toEqual([]);
      const ledger = new Map(matches.filter((m) => m !== null && minor(m[1]!) !== 0).map((m) => [m![3]!, `${minor(m![1]!)} ${m![2]}`]));
      expect(ledger, `ledger as of ${asOf}`).toEqual(expected);
    }
  }, 300_000);
});
