import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { dateOption, integerOption } from '../cli/options.js';
import { emitListing, note } from '../cli/output.js';
import type { Listing } from '../cli/render/index.js';
import { NotFoundError } from '../domain/errors.js';
import type { StockLevel } from '../domain/products/product.js';
import { adjustStock, receiveStock, type StockMoveResult } from '../domain/stock/move-stock.js';
import type { Runtime } from '../cli/runtime.js';

const COLUMNS: Listing['columns'] = [
  { key: 'sku', header: 'SKU' },
  { key: 'name', header: 'Name' },
  { key: 'unit', header: 'Unit' },
  { key: 'on_hand', header: 'On hand', kind: 'quantity' },
  { key: 'reserved', header: 'Reserved', kind: 'quantity' },
  { key: 'available', header: 'Available', kind: 'quantity' },
];

export function stockListing(levels: readonly StockLevel[]): Listing {
  return {
    columns: COLUMNS,
    rows: levels.map((l) => ({ sku: l.sku, name: l.name, unit: l.unit, on_hand: l.onHand, reserved: l.reserved, available: l.available })),
  };
}

function report(rt: Runtime, result: StockMoveResult, verb: string): void {
  emitListing(rt, stockListing([result.level]));
  note(rt, result.replayed
    ? `already recorded: this ${verb} was entered before; nothing changed`
    : `${verb} recorded: ${result.level.sku} now ${result.level.onHand} on hand`);
}

export function registerStock(program: Command, io: Io): void {
  const stock = program.command('stock').description('stock: receive goods, adjust after a count, list what is on hand')
    .addHelpText('after', `\nExamples:\n  $ owed stock receive P-1001 50 --ref PO-2026-0042\n  $ owed stock list`);

  stock
    .command('receive')
    .description('receive goods into stock')
    .argument('<sku>', 'product')
    .argument('<qty>', 'quantity received (whole units)', integerOption)
    .option('--ref <reference>', 'delivery or purchase reference; receiving the same reference twice records it once')
    .option('--date <YYYY-MM-DD>', 'date received (default: today)', dateOption)
    .addHelpText('after', `
Example:
  $ owed stock receive P-1001 50 --ref PO-2026-0042 --date 2026-11-02`)
    .action(action<{ ref?: string; date?: string }>(io, async (rt, args, o) => {
      const result = await withBook(rt, (store, actor) =>
        receiveStock(store, actor, {
          sku: args[0]!,
          quantity: args[1]!,
          ...(o.ref !== undefined ? { reference: o.ref } : {}),
          ...(o.date !== undefined ? { date: o.date } : {}),
        }));
      report(rt, result, 'receipt');
    }));

  stock
    .command('adjust')
    .description('correct stock after a count, damage or loss: QTY is signed (+3 or -2)')
    .argument('<sku>', 'product')
    .argument('<qty>', 'signed change in whole units', integerOption)
    .option('--reason <text>', 'why (required): stocktake, damaged, …')
    .option('--ref <reference>', 'count sheet reference; the same reference is recorded once')
    .option('--date <YYYY-MM-DD>', 'date of the adjustment (default: today)', dateOption)
    .addHelpText('after', `
Example:
  $ owed stock adjust P-1001 -2 --reason "damaged in transit"`)
    .action(action<{ reason?: string; ref?: string; date?: string }>(io, async (rt, args, o) => {
      const result = await withBook(rt, (store, actor) =>
        adjustStock(store, actor, {
          sku: args[0]!,
          quantity: args[1]!,
          ...(o.reason !== undefined ? { reason: o.reason } : {}),
          ...(o.ref !== undefined ? { reference: o.ref } : {}),
          ...(o.date !== undefined ? { date: o.date } : {}),
        }));
      report(rt, result, 'adjustment');
    }));

  stock
    .command('list')
    .description('on hand, reserved for approved orders, and available, per stocked product')
    .option('--sku <sku>', 'only this product')
    .addHelpText('after', `
Example:
  $ owed stock list --json`)
    .action(action<{ sku?: string }>(io, async (rt, _args, o) => {
      const levels = await readBook(rt, async (store) => {
        if (o.sku !== undefined && !(await store.products.find(o.sku))) {
          throw new NotFoundError('product', o.sku, 'list products with: owed product list');
        }
        return store.stock.levels(o.sku !== undefined ? { sku: o.sku } : {});
      });
      emitListing(rt, stockListing(levels));
    }));
}
