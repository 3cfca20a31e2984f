/**
 * Every refusal of the Sales flow issue: the exit code of CLI.md, a message on stderr that names
 * what is wrong (figures, SKU, document), and nothing written (snapshot before == after). The
 * refused command runs as the built binary; set-up runs the same built CLI in-process.
 *
 * Book: C001 NET30, credit limit 2000.00; P-13 250.00 at 13 % (20 in stock), P-6 15.15 at 6 %
 * (10 in stock), S-FEE a 500.00 service at 6 %. Users: tester (admin), sam (sales), fin (finance).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot, type CliResult } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, readJson, seed } from './helpers.js';

interface StockRow { sku: string; on_hand: number; reserved: number; available: number }

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  /** The command under test: the built binary. */
  const cli = (...args: string[]) => owed(['--db', db.dbArg, ...args]);
  /** Follow-up steps that are not the subject of a test: the same built CLI, in-process (no node start-up). */
  const run = (...args: string[]) => owedInProcess(['--db', db.dbArg, ...args]);
  const setUp = (...commands: string[][]) => seed(db.dbArg, ...commands);
  const stock = async () =>
    Object.fromEntries((await readJson<StockRow[]>(db.dbArg, 'stock', 'list')).map((r) => [r.sku, [r.on_hand, r.reserved, r.available]]));
  const orderStatus = async (number: string) => (await readJson<{ status: string }>(db.dbArg, 'order', 'show', number)).status;

  /** Runs a command that must be refused with `code` and change nothing; returns its result. */
  async function refused(code: number, ...args: string[]): Promise<CliResult> {
    const before = await snapshot(db.target);
    const r = await cli(...args);
    expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^owed: /);
    expect(await snapshot(db.target)).toBe(before);
    return r;
  }

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await setUp(
      ['init'],
      ['user', 'add', 'sam', '--role', 'sales'],
      ['user', 'add', 'fin', '--role', 'finance'],
      ['customer', 'add', 'C001', '--name', '上海华美贸易有限公司', '--terms', 'NET30', '--credit-limit', '2000'],
      ['product', 'add', 'P-13', '--name', '激光打印机', '--price', '250', '--tax-rate', '13'],
      ['product', 'add', 'P-6', '--name', '复印纸', '--price', '15.15', '--tax-rate', '6'],
      ['product', 'add', 'S-FEE', '--name', '安装服务', '--price', '500', '--tax-rate', '6', '--service'],
      ['stock', 'receive', 'P-13', '20', '--date', '2026-10-01'],
      ['stock', 'receive', 'P-6', '10', '--date', '2026-10-01'],
    );
  });
  afterEach(async () => {
    await db.drop();
  });

  describe('order approve: the credit check', () => {
    it('refuses above the limit with limit, exposure (receivables + approved not invoiced + this order, gross) and shortfall', async () => {
      await setUp(
        ['invoice', 'issue', '--customer', 'C001', '--line', 'S-FEE:1', '--date', '2026-11-01'], // 530.00 open
        ['order', 'create', '--customer', 'C001', '--line', 'P-13:2'], // 565.00
        ['order', 'approve', 'SO-2026-000001'],
        ['order', 'create', '--customer', 'C001', '--line', 'P-13:4'], // 1130.00
      );
      // Net of tax it would be 500 + 500 + 1000 = 2000.00, within the limit: the check is gross.
      const r = await refused(5, 'order', 'approve', 'SO-2026-000002');
      expect(r.stderr).toContain('credit check refuses SO-2026-000002');
      expect(r.stderr).toContain('exposure exceeds the credit limit');
      expect(r.stderr).toContain('limit 2,000.00 CNY');
      expect(r.stderr).toContain('exposure 2,225.00 CNY = open receivables 530.00 CNY + approved not invoiced 565.00 CNY + this order 1,130.00 CNY');
      expect(r.stderr).toContain('shortfall 225.00 CNY');
      expect(await orderStatus('SO-2026-000002')).toBe('draft');
      expect(await stock()).toMatchObject({ 'P-13': [20, 2, 18] });

      // Exposure equal to the limit passes.
      await setUp(['customer', 'edit', 'C001', '--credit-limit', '2225']);
      const ok = await run('order', 'approve', 'SO-2026-000002', '--json');
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'approved', overridden: false, exposure: '2225.00', limit: '2225.00' });
    });

    it('refuses when an invoice is overdue by more than credit.block_overdue_days (default 60), naming it', async () => {
      await setUp(
        ['customer', 'edit', 'C001', '--credit-limit', '100000'],
        ['invoice', 'issue', '--customer', 'C001', '--line', 'S-FEE:1', '--date', '2026-11-01'], // due 2026-12-01
        ['order', 'create', '--customer', 'C001', '--line', 'P-6:1'],
        ['order', 'create', '--customer', 'C001', '--line', 'P-6:2'],
      );
      // 60 days overdue: still allowed.
      const at60 = await run('order', 'approve', 'SO-2026-000001', '--today', '2027-01-30');
      expect(at60.code, at60.stderr).toBe(0);
      // 61 days: refused.
      const r = await refused(5, 'order', 'approve', 'SO-2026-000002', '--today', '2027-01-31');
      expect(r.stderr).toContain('credit check refuses SO-2026-000002');
      expect(r.stderr).toContain('1 invoice is overdue by more than 60 days (INV-2026-000001: 61 days)');
      // The threshold is a setting.
      await setUp(['settings', 'set', 'credit.block_overdue_days', '61']);
      const ok = await run('order', 'approve', 'SO-2026-000002', '--today', '2027-01-31');
      expect(ok.code, ok.stderr).toBe(0);
    });

    it('refuses a customer on credit hold; releasing the hold lets the order through', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-6:1'], ['customer', 'edit', 'C001', '--hold']);
      const r = await refused(5, 'order', 'approve', 'SO-2026-000001');
      expect(r.stderr).toContain('credit check refuses SO-2026-000001: customer C001 is on credit hold');
      await setUp(['customer', 'edit', 'C001', '--no-hold']);
      expect((await run('order', 'approve', 'SO-2026-000001')).code).toBe(0);
    });

    it('--override is refused to a sales user (exit 6)', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-13:8']); // 2260.00 > 2000.00
      const r = await refused(6, 'order', 'approve', 'SO-2026-000001', '--override', '--reason', 'good customer', '--user', 'sam');
      expect(r.stderr).toContain('user "sam" (sales) may not override the credit check');
      expect(await orderStatus('SO-2026-000001')).toBe('draft');
    });

    it('--override needs --reason (exit 3)', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-13:8']);
      const r = await refused(3, 'order', 'approve', 'SO-2026-000001', '--override', '--user', 'fin');
      expect(r.stderr).toContain('--reason');
    });

    it('finance overrides with a reason; the override and its figures go to the audit log', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-13:8']);
      const r = await cli('order', 'approve', 'SO-2026-000001', '--override', '--reason', 'CFO approved, payment promised 12-05', '--user', 'fin', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({
        number: 'SO-2026-000001', status: 'approved', overridden: true, exposure: '2260.00', limit: '2000.00', currency: 'CNY',
      });
      expect(await readJson(db.dbArg, 'order', 'show', 'SO-2026-000001')).toMatchObject({
        status: 'approved', approved_by: 'fin', override_reason: 'CFO approved, payment promised 12-05',
      });
      const audit = await run('audit', '--entity', 'order', '--json');
      expect(audit.code).toBe(0);
      const entries = JSON.parse(audit.stdout) as { user: string; key: string; action: string; command: string; detail: Record<string, unknown> | null }[];
      const override = entries.filter((e) => e.action === 'approve-override');
      expect(override).toHaveLength(1);
      expect(override[0]).toMatchObject({ user: 'fin', key: 'SO-2026-000001', command: 'order approve' });
      expect(override[0]!.detail).toMatchObject({
        override_reason: 'CFO approved, payment promised 12-05',
        refused_because: ['exposure exceeds the credit limit'],
      });
      expect(await stock()).toMatchObject({ 'P-13': [20, 8, 12] });
    });

    it('a sales user approves an order within the credit limit (only the override needs finance)', async () => {
      // CLI.md: "order approve … credit check; override needs a finance/admin role".
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-6:1']);
      const r = await cli('order', 'approve', 'SO-2026-000001', '--user', 'sam');
      expect(r.code, r.stderr).toBe(0);
      expect(await orderStatus('SO-2026-000001')).toBe('approved');
    });

    it('refuses an order that is not a draft', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-6:1'], ['order', 'approve', 'SO-2026-000001']);
      const r = await refused(5, 'order', 'approve', 'SO-2026-000001');
      expect(r.stderr).toContain('order SO-2026-000001 is approved; only a draft can be approved');
    });
  });

  describe('order approve: stock', () => {
    it('refuses when available stock is short, naming SKU and figures, and reserves nothing; backorders allowed by setting', async () => {
      // P-13 first: its reservation must roll back with the refusal of P-6.
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-13:2', '--line', 'P-6:11']);
      const r = await refused(5, 'order', 'approve', 'SO-2026-000001');
      expect(r.stderr).toContain('not enough stock of P-6 for SO-2026-000001: 11 ordered, 10 available (10 on hand, 0 reserved)');
      expect(r.stderr).toContain('stock.allow_backorder');
      expect(await stock()).toEqual({ 'P-13': [20, 0, 20], 'P-6': [10, 0, 10] });

      await setUp(['settings', 'set', 'stock.allow_backorder', 'true']);
      const ok = await run('order', 'approve', 'SO-2026-000001');
      expect(ok.code, ok.stderr).toBe(0);
      expect(await stock()).toEqual({ 'P-13': [20, 2, 18], 'P-6': [10, 11, -1] });

      // Shipping what is not on hand is refused, and the whole shipment with it.
      const ship = await refused(5, 'order', 'ship', 'SO-2026-000001');
      expect(ship.stderr).toContain('cannot ship 11 of P-6: 10 on hand');
      expect(await orderStatus('SO-2026-000001')).toBe('approved');
    });

    it('a backordered order cannot ship stock reserved for an earlier order', async () => {
      await setUp(
        ['order', 'create', '--customer', 'C001', '--line', 'P-6:8'],
        ['order', 'approve', 'SO-2026-000001'],
        ['settings', 'set', 'stock.allow_backorder', 'true'],
        ['order', 'create', '--customer', 'C001', '--line', 'P-6:5'],
        ['order', 'approve', 'SO-2026-000002'],
      );
      expect(await stock()).toMatchObject({ 'P-6': [10, 13, -3] });
      // 10 on hand, 8 of them held for SO-2026-000001: only 2 are free for SO-2026-000002.
      const r = await refused(5, 'order', 'ship', 'SO-2026-000002');
      expect(r.stderr).toContain('P-6');
    });

    it('counts other orders’ reservations: available, not on hand', async () => {
      await setUp(
        ['order', 'create', '--customer', 'C001', '--line', 'P-6:7'],
        ['order', 'approve', 'SO-2026-000001'],
        ['order', 'create', '--customer', 'C001', '--line', 'P-6:4'],
      );
      const r = await refused(5, 'order', 'approve', 'SO-2026-000002');
      expect(r.stderr).toContain('not enough stock of P-6 for SO-2026-000002: 4 ordered, 3 available (10 on hand, 7 reserved)');
    });
  });

  describe('order ship', () => {
    beforeEach(async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-13:5', '--line', 'P-6:2'], ['order', 'approve', 'SO-2026-000001']);
    });

    it('refuses more than ordered − shipped, naming the figures', async () => {
      await setUp(['order', 'ship', 'SO-2026-000001', '--line', 'P-13:3']);
      const r = await refused(5, 'order', 'ship', 'SO-2026-000001', '--line', 'P-13:3');
      expect(r.stderr).toContain('cannot ship 3 of P-13 on SO-2026-000001: 5 ordered, 3 already shipped, 2 left');
      expect(await stock()).toMatchObject({ 'P-13': [17, 2, 15] });
    });

    it('refuses a fully shipped order: nothing left to ship', async () => {
      await setUp(['order', 'ship', 'SO-2026-000001']);
      const r = await refused(5, 'order', 'ship', 'SO-2026-000001');
      expect(r.stderr).toContain('order SO-2026-000001 is fully shipped; nothing left to ship');
    });

    it('refuses a draft order', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-6:1']);
      const r = await refused(5, 'order', 'ship', 'SO-2026-000002');
      expect(r.stderr).toContain('order SO-2026-000002 is draft; only an approved order can ship');
      expect(r.stderr).toContain('owed order approve SO-2026-000002');
    });

    it('refuses a cancelled order', async () => {
      await setUp(['order', 'cancel', 'SO-2026-000001', '--reason', 'customer withdrew']);
      const r = await refused(5, 'order', 'ship', 'SO-2026-000001', '--line', 'P-13:1');
      expect(r.stderr).toContain('order SO-2026-000001 is cancelled; only an approved order can ship');
    });

    it('refuses a SKU that is not on the order', async () => {
      await setUp(['product', 'add', 'P-9', '--name', 'Toner', '--price', '80']);
      const r = await refused(5, 'order', 'ship', 'SO-2026-000001', '--line', 'P-9:1');
      expect(r.stderr).toContain('SO-2026-000001 has no line for P-9');
    });

    it('an unknown SKU is not found (exit 4)', async () => {
      const r = await refused(4, 'order', 'ship', 'SO-2026-000001', '--line', 'NO-SUCH:1');
      expect(r.stderr).toContain('NO-SUCH');
    });

    it('quantity ≤ 0 is invalid (exit 3)', async () => {
      const r = await refused(3, 'order', 'ship', 'SO-2026-000001', '--line', 'P-13:0');
      expect(r.stderr).toContain('--line P-13 quantity: "0" must be greater than zero');
    });
  });

  describe('order cancel', () => {
    it('is refused once goods are shipped and not returned; after the return it cancels and releases the rest', async () => {
      await setUp(
        ['order', 'create', '--customer', 'C001', '--line', 'P-13:5'],
        ['order', 'approve', 'SO-2026-000001'],
        ['order', 'ship', 'SO-2026-000001', '--line', 'P-13:2'],
        ['invoice', 'issue', '--order', 'SO-2026-000001'],
      );
      const r = await refused(5, 'order', 'cancel', 'SO-2026-000001', '--reason', 'customer withdrew');
      expect(r.stderr).toContain('order SO-2026-000001 has goods shipped and not returned (P-13: 2); it cannot be cancelled');
      expect(r.stderr).toContain('--restock');
      expect(await stock()).toMatchObject({ 'P-13': [18, 3, 15] });

      await setUp(['invoice', 'credit', 'INV-2026-000001', '--line', 'P-13:2', '--reason', 'returned', '--restock']);
      const ok = await run('order', 'cancel', 'SO-2026-000001', '--reason', 'customer withdrew');
      expect(ok.code, ok.stderr).toBe(0);
      expect(await stock()).toMatchObject({ 'P-13': [20, 0, 20] });
      expect(await orderStatus('SO-2026-000001')).toBe('cancelled');
    });

    it('refuses an order already cancelled', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-6:1'], ['order', 'cancel', 'SO-2026-000001', '--reason', 'dup']);
      const r = await refused(5, 'order', 'cancel', 'SO-2026-000001', '--reason', 'again');
      expect(r.stderr).toContain('order SO-2026-000001 is already cancelled');
    });
  });

  describe('invoice issue', () => {
    it('--order with nothing shipped and not invoiced is refused; the next invoice number has no gap', async () => {
      await setUp(
        ['order', 'create', '--customer', 'C001', '--line', 'P-13:5'],
        ['order', 'approve', 'SO-2026-000001'],
        ['order', 'ship', 'SO-2026-000001', '--line', 'P-13:2'],
        ['invoice', 'issue', '--order', 'SO-2026-000001'],
      );
      const r = await refused(5, 'invoice', 'issue', '--order', 'SO-2026-000001');
      expect(r.stderr).toContain('order SO-2026-000001 has nothing shipped and not yet invoiced');
      await setUp(['order', 'ship', 'SO-2026-000001']);
      const next = await run('invoice', 'issue', '--order', 'SO-2026-000001', '--json');
      expect(next.code, next.stderr).toBe(0);
      // 3 × 250.00 = 750.00 + 97.50
      expect(JSON.parse(next.stdout)).toMatchObject({ number: 'INV-2026-000002', total: '847.50' });
    });

    it('--order of a draft is refused', async () => {
      await setUp(['order', 'create', '--customer', 'C001', '--line', 'P-13:1']);
      const r = await refused(5, 'invoice', 'issue', '--order', 'SO-2026-000001');
      expect(r.stderr).toContain('order SO-2026-000001 is draft');
    });
  });

  describe('invoice credit', () => {
    beforeEach(async () => {
      await setUp(['invoice', 'issue', '--customer', 'C001', '--line', 'P-13:2', '--date', '2026-11-01']); // 565.00
    });

    it('refuses a credit note above the open amount, naming both; CN numbers stay gapless', async () => {
      const r = await refused(5, 'invoice', 'credit', 'INV-2026-000001', '--amount', '565.01', '--reason', 'too much');
      expect(r.stderr).toContain('a credit note of 565.01 CNY exceeds what INV-2026-000001 has open (565.00 CNY from 2026-11-27)');

      await setUp(['invoice', 'credit', 'INV-2026-000001', '--amount', '100', '--reason', 'discount']);
      const r2 = await refused(5, 'invoice', 'credit', 'INV-2026-000001', '--amount', '465.01', '--reason', 'too much');
      expect(r2.stderr).toContain('a credit note of 465.01 CNY exceeds what INV-2026-000001 has open (465.00 CNY from 2026-11-27)');
      // By line: 2 × 250.00 + 65.00 = 565.00 > 465.00 open.
      const r3 = await refused(5, 'invoice', 'credit', 'INV-2026-000001', '--line', 'P-13:2', '--reason', 'returned');
      expect(r3.stderr).toContain('a credit note of 565.00 CNY exceeds what INV-2026-000001 has open (465.00 CNY');

      const rest = await run('invoice', 'credit', 'INV-2026-000001', '--amount', '465.00', '--reason', 'rest', '--json');
      expect(rest.code, rest.stderr).toBe(0);
      expect(JSON.parse(rest.stdout)).toMatchObject({ number: 'CN-2026-000002', total: '465.00' });
      expect(await readJson(db.dbArg, 'invoice', 'show', 'INV-2026-000001')).toMatchObject({ open: '0.00', credited: '565.00', status: 'credited' });
    });

    it('refuses to credit more units than were invoiced', async () => {
      const r = await refused(5, 'invoice', 'credit', 'INV-2026-000001', '--line', 'P-13:3', '--reason', 'returned');
      expect(r.stderr).toContain('cannot credit 3 of P-13: 2 invoiced on INV-2026-000001, 0 already credited');
    });

    it('quantity ≤ 0 and a non-positive amount are invalid (exit 3)', async () => {
      const r = await refused(3, 'invoice', 'credit', 'INV-2026-000001', '--line', 'P-13:0', '--reason', 'x');
      expect(r.stderr).toContain('--line P-13 quantity: "0" must be greater than zero');
      const r2 = await refused(3, 'invoice', 'credit', 'INV-2026-000001', '--amount', '0', '--reason', 'x');
      expect(r2.stderr).toContain('--amount');
    });
  });

  describe('issued invoices are immutable', () => {
    beforeEach(async () => {
      await setUp(['invoice', 'issue', '--customer', 'C001', '--line', 'S-FEE:1']);
    });

    it('invoice edit is refused with a hint to issue a credit note', async () => {
      const r = await refused(5, 'invoice', 'edit', 'INV-2026-000001');
      expect(r.stderr).toContain('INV-2026-000001 is issued and cannot be edited');
      expect(r.stderr).toContain('hint: issue a credit note instead: owed invoice credit INV-2026-000001');
    });

    it('invoice edit with the change the user wanted is refused the same way (exit 5, not a usage error)', async () => {
      const r = await refused(5, 'invoice', 'edit', 'INV-2026-000001', '--total', '400');
      expect(r.stderr).toContain('INV-2026-000001 is issued and cannot be edited');
      expect(r.stderr).toContain('owed invoice credit INV-2026-000001');
    });

    it('invoice delete is refused with a hint to issue a credit note', async () => {
      const r = await refused(5, 'invoice', 'delete', 'INV-2026-000001');
      expect(r.stderr).toContain('INV-2026-000001 is issued and cannot be deleted');
      expect(r.stderr).toContain('hint: issue a credit note instead');
    });

    it('editing an unknown invoice is not found (exit 4)', async () => {
      const r = await refused(4, 'invoice', 'delete', 'INV-2026-000099');
      expect(r.stderr).toContain('invoice "INV-2026-000099" not found');
    });
  });

  describe('bad input', () => {
    it('an unknown customer is not found (exit 4): order create, invoice issue, statement', async () => {
      const a = await refused(4, 'order', 'create', '--customer', 'C999', '--line', 'P-13:1');
      expect(a.stderr).toContain('customer "C999" not found');
      const b = await refused(4, 'invoice', 'issue', '--customer', 'C999', '--line', 'S-FEE:1');
      expect(b.stderr).toContain('customer "C999" not found');
      const c = await refused(4, 'customer', 'statement', 'C999');
      expect(c.stderr).toContain('customer "C999" not found');
    });

    it('an unknown SKU is not found (exit 4): order create, invoice issue', async () => {
      const a = await refused(4, 'order', 'create', '--customer', 'C001', '--line', 'P-13:1', '--line', 'NO-SUCH:2');
      expect(a.stderr).toContain('product "NO-SUCH" not found');
      const b = await refused(4, 'invoice', 'issue', '--customer', 'C001', '--line', 'NO-SUCH:1:10');
      expect(b.stderr).toContain('product "NO-SUCH" not found');
    });

    it('an unknown order is not found (exit 4): approve, ship, cancel, show, invoice issue --order', async () => {
      for (const args of [
        ['order', 'approve', 'SO-2026-000042'],
        ['order', 'ship', 'SO-2026-000042'],
        ['order', 'cancel', 'SO-2026-000042', '--reason', 'x'],
        ['order', 'show', 'SO-2026-000042'],
        ['invoice', 'issue', '--order', 'SO-2026-000042'],
      ]) {
        const r = await refused(4, ...args);
        expect(r.stderr).toContain('order "SO-2026-000042" not found');
      }
    });

    it('a quantity ≤ 0 or not whole is invalid (exit 3), naming the SKU', async () => {
      for (const [line, reason] of [
        ['P-13:0', 'must be greater than zero'],
        ['P-13:-2', 'must be a whole number greater than zero'],
        ['P-13:1.5', 'must be a whole number greater than zero'],
      ] as const) {
        const r = await refused(3, 'order', 'create', '--customer', 'C001', '--line', line);
        expect(r.stderr).toContain(`--line P-13 quantity: "${line.slice(5)}" ${reason}`);
        expect(r.stderr).toContain('nothing was written');
      }
      const inv = await refused(3, 'invoice', 'issue', '--customer', 'C001', '--line', 'S-FEE:0');
      expect(inv.stderr).toContain('--line S-FEE quantity: "0" must be greater than zero');
    });

    it('a negative price is invalid (exit 3): order create, invoice issue', async () => {
      const a = await refused(3, 'order', 'create', '--customer', 'C001', '--line', 'P-13:1:-5.00');
      expect(a.stderr).toContain('--line P-13 price: "-5.00" must not be negative');
      const b = await refused(3, 'invoice', 'issue', '--customer', 'C001', '--line', 'S-FEE:1:-500');
      expect(b.stderr).toContain('--line S-FEE price: "-500" must not be negative');
    });
  });
});
