/**
 * The sales flow end to end ("done when" of the Sales flow issue): one customer from order through
 * approval, a partial shipment, two invoices, credit notes and the statement, every amount to the
 * cent with VAT, read back through --json. The commands under test run as the built binary;
 * set-up and read-backs of state run the same built CLI in-process (test/e2e/helpers.ts).
 *
 * Figures (VAT per line, half-up):
 *   P-13 25.50 at 13 %: 33 × 25.50 = 841.50, tax 109.395 → 109.40
 *   P-6  15.15 at  6 %:  5 × 15.15 =  75.75, tax   4.545 →   4.55 (half-even would give 4.54)
 *                       10 × 15.15 = 151.50, tax   9.09
 *   SO-2026-000001: net 993.00 + tax 118.49 = 1111.49
 *   INV-2026-000001 (33 × P-13, 5 × P-6): net 917.25 + tax 113.95 = 1031.20, due 2026-11-04 (NET30)
 *   INV-2026-000002 (5 × P-6):            net  75.75 + tax   4.55 =   80.30, due 2026-12-31 (--due)
 *   (the two invoices carry 0.01 more tax than the order: VAT is rounded per invoice line)
 *   CN-2026-000001 (3 × P-13 back, restock): net 76.50 + tax 9.945 → 9.95 = 86.45
 *   CN-2026-000002 (30.00 on INV-2026-000002, 6 %): net 30.00 ÷ 1.06 = 28.30, tax 1.70
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, readJson, seed } from './helpers.js';

interface StockRow { sku: string; on_hand: number; reserved: number; available: number }
interface OrderLineJson { sku: string; quantity: number; shipped: number; invoiced: number; reserved: number; returned: number; net: string; tax: string }
interface OrderJson { number: string; status: string; net: string; tax: string; total: string; tax_inclusive: boolean; lines: OrderLineJson[] }
interface InvoiceRow { number: string; kind: string; total: string; open: string; status: string; days_overdue: number; due_date: string }

function json<T = Record<string, unknown>>(r: CliResult): T {
  expect(r.stderr.startsWith('owed:'), r.stderr).toBe(false);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  /** The commands under test: the built binary. */
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);
  /** Further read-backs: the same built CLI in-process, which saves a node start-up each. */
  const run = (...args: string[]) => owedInProcess(['--db', db.dbArg, ...args]);
  const stock = async () =>
    Object.fromEntries((await readJson<StockRow[]>(db.dbArg, 'stock', 'list')).map((r) => [r.sku, [r.on_hand, r.reserved, r.available]]));
  const order = (number: string) => readJson<OrderJson>(db.dbArg, 'order', 'show', number);
  const progress = (o: OrderJson) => o.lines.map((l) => [l.sku, l.quantity, l.shipped, l.invoiced, l.reserved, l.returned]);

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await seed(
      db.dbArg,
      ['init'],
      ['customer', 'add', 'C001', '--name', '上海华美贸易有限公司', '--terms', 'NET30', '--credit-limit', '50000'],
      ['customer', 'add', 'C002', '--name', 'Eastwind Ltd', '--terms', 'EOM30'],
      ['product', 'add', 'P-13', '--name', '激光打印机', '--price', '25.50', '--tax-rate', '13'],
      ['product', 'add', 'P-6', '--name', '复印纸', '--price', '15.15', '--tax-rate', '6'],
      ['product', 'add', 'S-FEE', '--name', '安装服务', '--price', '100', '--tax-rate', '6', '--service'],
      ['stock', 'receive', 'P-13', '100', '--date', '2026-09-30'],
      ['stock', 'receive', 'P-6', '40', '--date', '2026-09-30'],
    );
  });
  afterEach(async () => {
    await db.drop();
  });

  it('order → approve → partial ship → two invoices → credit notes → statement, to the cent', async () => {
    // Create: a draft, numbered, priced with VAT per line.
    const created = json(await cli('order', 'create', '--customer', 'C001', '--line', 'P-13:33', '--line', 'P-6:10', '--ref', 'PO-88341', '--today', '2026-10-01', '--json'));
    expect(created).toEqual({ number: 'SO-2026-000001', total: '1111.49', currency: 'CNY' });
    let so = await order('SO-2026-000001');
    expect(so).toMatchObject({ status: 'draft', net: '993.00', tax: '118.49', total: '1111.49', tax_inclusive: false });
    expect(so.lines.map((l) => [l.sku, l.net, l.tax])).toEqual([['P-13', '841.50', '109.40'], ['P-6', '151.50', '9.09']]);
    expect(await stock()).toEqual({ 'P-13': [100, 0, 100], 'P-6': [40, 0, 40] });

    // Approve: the credit check passes (exposure = this order, gross) and stock is reserved.
    const approved = json(await cli('order', 'approve', 'SO-2026-000001', '--today', '2026-10-01', '--json'));
    expect(approved).toEqual({ number: 'SO-2026-000001', status: 'approved', overridden: false, exposure: '1111.49', limit: '50000.00', currency: 'CNY' });
    expect(await stock()).toEqual({ 'P-13': [100, 33, 67], 'P-6': [40, 10, 30] });
    expect(progress(await order('SO-2026-000001'))).toEqual([['P-13', 33, 0, 0, 33, 0], ['P-6', 10, 0, 0, 10, 0]]);

    // Ship part: all the printers, half the paper.
    const ship1 = json(await cli('order', 'ship', 'SO-2026-000001', '--line', 'P-13:33', '--line', 'P-6:5', '--date', '2026-10-02', '--json'));
    expect(ship1).toEqual({ number: 'SH-2026-000001', order: 'SO-2026-000001', status: 'partially shipped' });
    expect(await stock()).toEqual({ 'P-13': [67, 0, 67], 'P-6': [35, 5, 30] });
    expect(progress(await order('SO-2026-000001'))).toEqual([['P-13', 33, 33, 0, 0, 0], ['P-6', 10, 5, 0, 5, 0]]);
    expect((await readJson<{ number: string }[]>(db.dbArg, 'order', 'list', '--status', 'partially-shipped')).map((o) => o.number)).toEqual(['SO-2026-000001']);

    // Invoice what shipped: due from NET30.
    const inv1 = json(await cli('invoice', 'issue', '--order', 'SO-2026-000001', '--date', '2026-10-05', '--json'));
    expect(inv1).toEqual({ number: 'INV-2026-000001', net: '917.25', tax: '113.95', total: '1031.20', currency: 'CNY', due_date: '2026-11-04' });
    so = await order('SO-2026-000001');
    expect(so.status).toBe('partially invoiced');
    expect(progress(so)).toEqual([['P-13', 33, 33, 33, 0, 0], ['P-6', 10, 5, 5, 5, 0]]);

    // Ship the rest (no --line), then invoice it with an explicit due date.
    const ship2 = json(await cli('order', 'ship', 'SO-2026-000001', '--date', '2026-10-20', '--json'));
    expect(ship2).toEqual({ number: 'SH-2026-000002', order: 'SO-2026-000001', status: 'partially invoiced' });
    expect(await stock()).toEqual({ 'P-13': [67, 0, 67], 'P-6': [30, 0, 30] });
    const inv2 = json(await cli('invoice', 'issue', '--order', 'SO-2026-000001', '--date', '2026-10-20', '--due', '2026-12-31', '--json'));
    expect(inv2).toEqual({ number: 'INV-2026-000002', net: '75.75', tax: '4.55', total: '80.30', currency: 'CNY', due_date: '2026-12-31' });
    so = await order('SO-2026-000001');
    expect(so.status).toBe('invoiced');
    expect(progress(so)).toEqual([['P-13', 33, 33, 33, 0, 0], ['P-6', 10, 10, 10, 0, 0]]);
    expect((await readJson<{ number: string; status: string }[]>(db.dbArg, 'order', 'list')).map((o) => [o.number, o.status]))
      .toEqual([['SO-2026-000001', 'invoiced']]);

    // Three printers come back: a credit note by line at the invoice's price, goods restocked.
    const cn1 = json(await cli('invoice', 'credit', 'INV-2026-000001', '--line', 'P-13:3', '--reason', 'returned, damaged', '--restock', '--date', '2026-10-25', '--json'));
    expect(cn1).toEqual({ number: 'CN-2026-000001', credits: 'INV-2026-000001', net: '76.50', tax: '9.95', total: '86.45', currency: 'CNY' });
    expect(await stock()).toEqual({ 'P-13': [70, 0, 70], 'P-6': [30, 0, 30] });
    expect(progress(await order('SO-2026-000001'))).toEqual([['P-13', 33, 33, 33, 0, 3], ['P-6', 10, 10, 10, 0, 0]]);

    // A price adjustment by amount: VAT taken out at the invoice's rate.
    const cn2 = json(await cli('invoice', 'credit', 'INV-2026-000002', '--amount', '30', '--reason', 'price adjustment', '--date', '2026-10-28', '--json'));
    expect(cn2).toEqual({ number: 'CN-2026-000002', credits: 'INV-2026-000002', net: '28.30', tax: '1.70', total: '30.00', currency: 'CNY' });

    // invoice show / list as of today (2026-11-27): INV-1 is 23 days overdue.
    const show1 = json(await cli('invoice', 'show', 'INV-2026-000001', '--json'));
    expect(show1).toMatchObject({
      number: 'INV-2026-000001', kind: 'invoice', customer: 'C001', order: 'SO-2026-000001', issue_date: '2026-10-05', due_date: '2026-11-04',
      net: '917.25', tax: '113.95', total: '1031.20', open: '944.75', paid: '0.00', credited: '86.45', written_off: '0.00',
      status: 'overdue', days_overdue: 23,
    });
    expect((show1.lines as unknown[]).map((l) => { const x = l as Record<string, unknown>; return [x.sku, x.quantity, x.unit_price, x.tax_rate, x.net, x.tax]; }))
      .toEqual([['P-13', 33, '25.50', '13', '841.50', '109.40'], ['P-6', 5, '15.15', '6', '75.75', '4.55']]);
    const cnShow = json(await run('invoice', 'show', 'CN-2026-000001', '--json'));
    expect(cnShow).toMatchObject({ kind: 'credit_note', credit_of: 'INV-2026-000001', total: '86.45', open: '0.00', reason: 'returned, damaged' });
    const list = json<InvoiceRow[]>(await cli('invoice', 'list', '--customer', 'C001', '--json'));
    expect(list.map((r) => [r.number, r.kind, r.total, r.open, r.due_date, r.days_overdue])).toEqual([
      ['CN-2026-000001', 'credit note', '86.45', '0.00', '2026-10-25', 0],
      ['CN-2026-000002', 'credit note', '30.00', '0.00', '2026-10-28', 0],
      ['INV-2026-000001', 'invoice', '1031.20', '944.75', '2026-11-04', 23],
      ['INV-2026-000002', 'invoice', '80.30', '50.30', '2026-12-31', 0],
    ]);
    expect((await readJson<InvoiceRow[]>(db.dbArg, 'invoice', 'list', '--status', 'overdue')).map((r) => r.number)).toEqual(['INV-2026-000001']);

    // The statement: every document with its running balance, closing balance and its aging.
    const expectedLines = [
      { date: '2026-10-05', document: 'INV-2026-000001', kind: 'invoice', amount: '1031.20', balance: '1031.20' },
      { date: '2026-10-20', document: 'INV-2026-000002', kind: 'invoice', amount: '80.30', balance: '1111.50' },
      { date: '2026-10-25', document: 'CN-2026-000001', kind: 'credit_note', amount: '-86.45', balance: '1025.05' },
      { date: '2026-10-28', document: 'CN-2026-000002', kind: 'credit_note', amount: '-30.00', balance: '995.05' },
    ];
    const buckets = ['current', '1-30', '31-60', '61-90', '91-120', '>120'];
    const zero = { current: '0.00', '1-30': '0.00', '31-60': '0.00', '61-90': '0.00', '91-120': '0.00', '>120': '0.00', unapplied: '0.00' };
    const stmt = json(await cli('customer', 'statement', 'C001', '--json'));
    expect(stmt).toEqual({
      customer: 'C001',
      name: '上海华美贸易有限公司',
      currency: 'CNY',
      from: '2026-10-05',
      to: '2026-11-27',
      opening_balance: '0.00',
      lines: expectedLines,
      closing_balance: '995.05',
      aging: { as_of: '2026-11-27', buckets, ...zero, current: '50.30', '1-30': '944.75', total: '995.05' },
    });

    // Later: INV-1 is 72 days past due (61-90), INV-2 is 15 (1-30).
    const later = json(await run('customer', 'statement', 'C001', '--today', '2027-01-15', '--json'));
    expect(later).toMatchObject({ to: '2027-01-15', opening_balance: '0.00', lines: expectedLines, closing_balance: '995.05' });
    expect(later.aging).toEqual({ as_of: '2027-01-15', buckets, ...zero, '1-30': '50.30', '61-90': '944.75', total: '995.05' });
    const invLater = await readJson<InvoiceRow[]>(db.dbArg, '--today', '2027-01-15', 'invoice', 'list', '--status', 'overdue');
    expect(invLater.map((r) => [r.number, r.open, r.days_overdue])).toEqual([['INV-2026-000001', '944.75', 72], ['INV-2026-000002', '50.30', 15]]);

    // A period: the opening balance carries what came before.
    const period = json(await run('customer', 'statement', 'C001', '--from', '2026-10-21', '--to', '2026-10-31', '--json'));
    expect(period).toMatchObject({ from: '2026-10-21', to: '2026-10-31', opening_balance: '1111.50', lines: expectedLines.slice(2), closing_balance: '995.05' });
    expect(period.aging).toEqual({ as_of: '2026-10-31', buckets, ...zero, current: '995.05', total: '995.05' });

    // CSV: opening and closing rows around the documents.
    const csv = await cli('customer', 'statement', 'C001', '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe([
      'date,document,kind,amount,balance',
      '2026-10-05,,opening balance,,0.00',
      '2026-10-05,INV-2026-000001,invoice,1031.20,1031.20',
      '2026-10-20,INV-2026-000002,invoice,80.30,1111.50',
      '2026-10-25,CN-2026-000001,credit note,-86.45,1025.05',
      '2026-10-28,CN-2026-000002,credit note,-30.00,995.05',
      '2026-11-27,,closing balance,,995.05',
      '',
    ].join('\n'));

    // Table: the closing balance and the aging row.
    const table = await run('customer', 'statement', 'C001');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Opening balance 0.00');
    expect(table.stdout).toContain('Closing balance 995.05 CNY');
    expect(table.stdout).toMatch(/^\s*50\.30\s+944\.75\s+0\.00\s+0\.00\s+0\.00\s+0\.00\s+0\.00\s+995\.05\s*$/m);

    // The credit check now sees the open receivables: a second order's exposure includes them.
    json(await run('order', 'create', '--customer', 'C001', '--line', 'P-6:1', '--json'));
    const second = json(await run('order', 'approve', 'SO-2026-000002', '--json'));
    // 995.05 open + 15.15 + 0.91 tax
    expect(second).toMatchObject({ exposure: '1011.11', limit: '50000.00', status: 'approved' });
   }, 90_000); // ~20 node start-ups: generous for a loaded machine

  it('a tax-inclusive order: net and tax derived per line so net + tax = gross; numbers restart per year; EOM30', async () => {
    // A direct tax-inclusive invoice in 2026: 106.00 gross at 6 % = 100.00 + 6.00, due end of December + 30.
    const direct = json(await cli('invoice', 'issue', '--customer', 'C002', '--tax-inclusive', '--line', 'S-FEE:1:106.00', '--date', '2026-12-30', '--json'));
    expect(direct).toEqual({ number: 'INV-2026-000001', net: '100.00', tax: '6.00', total: '106.00', currency: 'CNY', due_date: '2027-01-30' });

    // 3 × 99.99 = 299.97 gross at 13 % → net 265.46, tax 34.51; 7 × 10.00 = 70.00 at 6 % → net 66.04, tax 3.96.
    const created = json(await cli('order', 'create', '--customer', 'C002', '--tax-inclusive', '--line', 'P-13:3:99.99', '--line', 'P-6:7:10.00', '--date', '2026-12-28', '--json'));
    expect(created).toEqual({ number: 'SO-2026-000001', total: '369.97', currency: 'CNY' });
    const so = await order('SO-2026-000001');
    expect(so).toMatchObject({ tax_inclusive: true, net: '331.50', tax: '38.47', total: '369.97', status: 'draft' });
    expect(so.lines.map((l) => [l.sku, l.net, l.tax])).toEqual([['P-13', '265.46', '34.51'], ['P-6', '66.04', '3.96']]);

    expect(json(await cli('order', 'approve', 'SO-2026-000001', '--today', '2026-12-30', '--json'))).toMatchObject({ status: 'approved', exposure: '475.97', limit: null });
    expect(json(await run('order', 'ship', 'SO-2026-000001', '--date', '2026-12-29', '--json'))).toMatchObject({ number: 'SH-2026-000001', status: 'shipped' });

    // Invoiced in January: the first INV of 2027; EOM30 from 2027-01-31.
    const inv = json(await cli('invoice', 'issue', '--order', 'SO-2026-000001', '--date', '2027-01-05', '--json'));
    expect(inv).toEqual({ number: 'INV-2027-000001', net: '331.50', tax: '38.47', total: '369.97', currency: 'CNY', due_date: '2027-03-02' });
    expect(json(await run('invoice', 'show', 'INV-2027-000001', '--today', '2027-01-05', '--json'))).toMatchObject({ tax_inclusive: true, status: 'open', open: '369.97', days_overdue: 0 });

    // Crediting one printer back credits its gross price: 99.99 = 88.49 + 11.50.
    const cn = json(await cli('invoice', 'credit', 'INV-2027-000001', '--line', 'P-13:1', '--reason', 'returned', '--restock', '--date', '2027-01-10', '--json'));
    expect(cn).toEqual({ number: 'CN-2027-000001', credits: 'INV-2027-000001', net: '88.49', tax: '11.50', total: '99.99', currency: 'CNY' });
    expect(await stock()).toEqual({ 'P-13': [98, 0, 98], 'P-6': [33, 0, 33] });

    // By amount on a mixed-rate invoice: 50.00 split by the invoice's gross per rate (299.97 : 70.00,
    // largest remainder) = 40.54 at 13 % (35.88 + 4.66) + 9.46 at 6 % (8.92 + 0.54).
    const byAmount = json(await cli('invoice', 'credit', 'INV-2027-000001', '--amount', '50', '--reason', 'goodwill', '--date', '2027-01-12', '--json'));
    expect(byAmount).toEqual({ number: 'CN-2027-000002', credits: 'INV-2027-000001', net: '44.80', tax: '5.20', total: '50.00', currency: 'CNY' });
    const cnLines = (await readJson<{ lines: { tax_rate: string; net: string; tax: string }[] }>(db.dbArg, 'invoice', 'show', 'CN-2027-000002')).lines;
    expect(cnLines.map((l) => [l.tax_rate, l.net, l.tax])).toEqual([['13', '35.88', '4.66'], ['6', '8.92', '0.54']]);

    const stmt = json(await cli('customer', 'statement', 'C002', '--today', '2027-02-15', '--json'));
    expect(stmt).toMatchObject({
      opening_balance: '0.00',
      lines: [
        { date: '2026-12-30', document: 'INV-2026-000001', kind: 'invoice', amount: '106.00', balance: '106.00' },
        { date: '2027-01-05', document: 'INV-2027-000001', kind: 'invoice', amount: '369.97', balance: '475.97' },
        { date: '2027-01-10', document: 'CN-2027-000001', kind: 'credit_note', amount: '-99.99', balance: '375.98' },
        { date: '2027-01-12', document: 'CN-2027-000002', kind: 'credit_note', amount: '-50.00', balance: '325.98' },
      ],
      closing_balance: '325.98',
    });
    // INV-2026-000001 was due 2027-01-30: 16 days past due; INV-2027-000001 is due 2027-03-02.
    expect(stmt.aging).toMatchObject({ current: '219.98', '1-30': '106.00', unapplied: '0.00', total: '325.98' });
   }, 90_000);

  it('the statement lists a credit note after the invoice it credits on the same day', async () => {
    await seed(
      db.dbArg,
      ['invoice', 'issue', '--customer', 'C001', '--line', 'S-FEE:1', '--date', '2026-11-20'], // 106.00
      ['invoice', 'credit', 'INV-2026-000001', '--amount', '30', '--reason', 'discount', '--date', '2026-11-20'],
    );
    const stmt = json(await cli('customer', 'statement', 'C001', '--json'));
    // A running balance never shows the customer in credit before the invoice that was credited.
    expect(stmt).toMatchObject({
      opening_balance: '0.00',
      lines: [
        { date: '2026-11-20', document: 'INV-2026-000001', kind: 'invoice', amount: '106.00', balance: '106.00' },
        { date: '2026-11-20', document: 'CN-2026-000001', kind: 'credit_note', amount: '-30.00', balance: '76.00' },
      ],
      closing_balance: '76.00',
    });
  });

  it('a SKU on two lines at different prices is credited back at each line’s own price', async () => {
    // Line 1: 2 × 25.50 (list) = 51.00 + 6.63; line 2: 1 × 20.00 = 20.00 + 2.60 → 80.23.
    await seed(
      db.dbArg,
      ['order', 'create', '--customer', 'C001', '--line', 'P-13:2', '--line', 'P-13:1:20.00'],
      ['order', 'approve', 'SO-2026-000001'],
      ['order', 'ship', 'SO-2026-000001'],
      ['invoice', 'issue', '--order', 'SO-2026-000001'],
    );
    expect(await readJson(db.dbArg, 'invoice', 'show', 'INV-2026-000001')).toMatchObject({ net: '71.00', tax: '9.23', total: '80.23', open: '80.23' });
    // All three come back: the credit note mirrors the invoice, not three units at the first line's price (76.50 + 9.95).
    const cn = json(await cli('invoice', 'credit', 'INV-2026-000001', '--line', 'P-13:3', '--reason', 'returned', '--restock', '--json'));
    expect(cn).toMatchObject({ net: '71.00', tax: '9.23', total: '80.23' });
    expect(await readJson(db.dbArg, 'invoice', 'show', 'INV-2026-000001')).toMatchObject({ open: '0.00', status: 'credited' });
    expect(progress(await order('SO-2026-000001'))).toEqual([['P-13', 2, 2, 2, 0, 2], ['P-13', 1, 1, 1, 0, 1]]);
    expect(await stock()).toMatchObject({ 'P-13': [100, 0, 100] });
  });

  it('cancelling an approved order releases its reservation', async () => {
    await seed(db.dbArg, ['order', 'create', '--customer', 'C001', '--line', 'P-13:10', '--line', 'P-6:4'], ['order', 'approve', 'SO-2026-000001']);
    expect(await stock()).toEqual({ 'P-13': [100, 10, 90], 'P-6': [40, 4, 36] });
    const r = json(await cli('order', 'cancel', 'SO-2026-000001', '--reason', 'customer withdrew', '--json'));
    expect(r).toEqual({ number: 'SO-2026-000001', status: 'cancelled' });
    expect(await stock()).toEqual({ 'P-13': [100, 0, 100], 'P-6': [40, 0, 40] });
    const so = await order('SO-2026-000001');
    expect(so).toMatchObject({ status: 'cancelled', cancel_reason: 'customer withdrew' });
    expect(progress(so)).toEqual([['P-13', 10, 0, 0, 0, 0], ['P-6', 4, 0, 0, 0, 0]]);
    expect((await readJson<unknown[]>(db.dbArg, 'order', 'list', '--status', 'cancelled'))).toHaveLength(1);
  });
});
