import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { owed, snapshot } from '../support/cli.js';
import { scratchDatabase, testEngines, type ScratchDatabase } from '../support/engines.js';
import { owedInProcess, readJson, seed } from './helpers.js';

describe.each(testEngines())('%s', (engine) => {
  let db: ScratchDatabase;
  const cli = (args: readonly string[]) => owed(['--db', db.dbArg, ...args]);

  beforeEach(async () => {
    db = await scratchDatabase(engine);
    await seed(db.dbArg, ['init']);
  });
  afterEach(async () => {
    await db.drop();
  });

  it('product add prints the SKU; product show --json has the price as a decimal string and the stock', async () => {
    const add = await cli(['product', 'add', 'P-1001', '--name', '激光打印机', '--price', '1500', '--tax-rate', '13', '--unit', '台']);
    expect(add.code).toBe(0);
    expect(add.stdout).toBe('P-1001\n');
    expect(add.stderr).toBe('added product P-1001 激光打印机\n');

    const show = await cli(['product', 'show', 'P-1001', '--json']);
    expect(show.code).toBe(0);
    expect(show.stderr).toBe('');
    const record = JSON.parse(show.stdout) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['sku', 'name', 'price', 'currency', 'unit', 'tax_rate', 'stocked', 'on_hand', 'reserved', 'available']);
    expect(record).toEqual({
      sku: 'P-1001',
      name: '激光打印机',
      price: '1500.00',
      currency: 'CNY',
      unit: '台',
      tax_rate: '13',
      stocked: true,
      on_hand: 0,
      reserved: 0,
      available: 0,
    });
  });

  it('product add --service --json prints {"sku"}; product list --json lists products and services', async () => {
    await seed(db.dbArg, ['product', 'add', 'P-2001', '--name', 'Widget, large', '--price', '1,234.5']);
    const r = await cli(['product', 'add', 'S-INSTALL', '--name', '安装服务', '--price', '300', '--tax-rate', '6', '--unit', '次', '--service', '--json', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{\n  "sku": "S-INSTALL"\n}\n');
    expect(r.stderr).toBe('');

    expect(await readJson(db.dbArg, 'product', 'list')).toEqual([
      { sku: 'P-2001', name: 'Widget, large', price: '1234.50', currency: 'CNY', unit: 'pcs', tax_rate: '13', stocked: true },
      { sku: 'S-INSTALL', name: '安装服务', price: '300.00', currency: 'CNY', unit: '次', tax_rate: '6', stocked: false },
    ]);
    // A service has no stock figures.
    expect(Object.keys(await readJson<object>(db.dbArg, 'product', 'show', 'S-INSTALL'))).not.toContain('on_hand');
  });

  it('stock receive shows the new level; the same reference again is recorded once and writes nothing', async () => {
    await seed(db.dbArg, ['product', 'add', 'P1', '--name', '激光打印机', '--price', '1500', '--unit', '台']);
    const r = await cli(['stock', 'receive', 'P1', '50', '--ref', 'PO-2026-0042', '--date', '2026-11-02']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('receipt recorded: P1 now 50 on hand\n');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^SKU\s+Name\s+Unit\s+On hand\s+Reserved\s+Available\s*$/);
    expect(lines[2]).toMatch(/^P1\s+激光打印机\s+台\s+50\s+0\s+50\s*$/);

    const before = await snapshot(db.target);
    const again = await cli(['stock', 'receive', 'P1', '50', '--ref', 'PO-2026-0042', '--date', '2026-11-02', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([{ sku: 'P1', name: '激光打印机', unit: '台', on_hand: 50, reserved: 0, available: 50 }]);
    expect(again.stderr).toBe('already recorded: this receipt was entered before; nothing changed\n');
    expect(await snapshot(db.target)).toBe(before);
  });

  it('stock adjust takes a signed quantity and a reason; stock list --json and --sku', async () => {
    await seed(
      db.dbArg,
      ['product', 'add', 'P1', '--name', '激光打印机', '--price', '1500'],
      ['product', 'add', 'P2', '--name', 'Toner', '--price', '80'],
      ['product', 'add', 'S1', '--name', '安装服务', '--price', '300', '--tax-rate', '6', '--service'],
      ['stock', 'receive', 'P1', '50'],
      ['stock', 'receive', 'P2', '7'],
    );
    const r = await cli(['stock', 'adjust', 'P1', '-2', '--reason', 'damaged in transit', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('adjustment recorded: P1 now 48 on hand\n');
    expect(JSON.parse(r.stdout)).toEqual([{ sku: 'P1', name: '激光打印机', unit: 'pcs', on_hand: 48, reserved: 0, available: 48 }]);

    // Services are not stocked, so they are not listed.
    expect(await readJson(db.dbArg, 'stock', 'list')).toEqual([
      { sku: 'P1', name: '激光打印机', unit: 'pcs', on_hand: 48, reserved: 0, available: 48 },
      { sku: 'P2', name: 'Toner', unit: 'pcs', on_hand: 7, reserved: 0, available: 7 },
    ]);
    expect(await readJson(db.dbArg, 'stock', 'list', '--sku', 'P2')).toEqual([
      { sku: 'P2', name: 'Toner', unit: 'pcs', on_hand: 7, reserved: 0, available: 7 },
    ]);
    const audit = await readJson<{ action: string; detail: Record<string, unknown> }[]>(db.dbArg, 'audit', '--entity', 'stock', '--key', 'P1');
    expect(audit[0]!.action).toBe('adjust');
    expect(audit[0]!.detail).toMatchObject({ quantity: -2, reason: 'damaged in transit' });
  });

  it('stock moves a rule refuses exit 3, 4 or 5 and write nothing', async () => {
    await seed(
      db.dbArg,
      ['product', 'add', 'P1', '--name', 'Printer', '--price', '1500'],
      ['product', 'add', 'S1', '--name', 'Install', '--price', '300', '--tax-rate', '6', '--service'],
      ['stock', 'receive', 'P1', '10', '--ref', 'PO-1'],
    );
    const before = await snapshot(db.target);
    const cases: [string[], number, RegExp][] = [
      [['stock', 'receive', 'P1', '12', '--ref', 'PO-1'], 5, /PO-1 of P1 is already recorded with different content/],
      [['stock', 'adjust', 'P1', '-11', '--reason', 'stocktake'], 5, /cannot go to -1/],
      [['stock', 'receive', 'S1', '3'], 5, /S1 is a service/],
      [['stock', 'receive', 'NOPE', '3'], 4, /product "NOPE" not found/],
      [['stock', 'adjust', 'P1', '-2'], 3, /reason: is required/],
    ];
    for (const [i, [args, code, message]] of cases.entries()) {
      // The first two through the binary, the rest in-process (same code, no node start-up).
      const r = i < 2 ? await cli(args) : await owedInProcess(['--db', db.dbArg, ...args]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await snapshot(db.target)).toBe(before);
  });
});
