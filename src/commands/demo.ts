import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { note, writeResult } from '../cli/output.js';
import { listingToJson, render, renderJson, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import type { Actor } from '../domain/actor.js';
import { addDays } from '../domain/dates.js';
import { addCustomer } from '../domain/customers/add-customer.js';
import { RefusedError } from '../domain/errors.js';
import { addProduct } from '../domain/products/add-product.js';
import { receiveStock } from '../domain/stock/move-stock.js';
import type { Store } from '../domain/store.js';
import { packageRoot } from '../paths.js';
import { Database } from '../storage/database.js';
import { migrationState, rollbackAll } from '../storage/migrate.js';
import { createStore } from '../storage/store.js';
import { parseTarget } from '../storage/target.js';
import { loadDemoSales } from '../fixtures/demo-sales.js';
import { customerListing } from './customer.js';
import { invoiceListing } from './invoice.js';
import { orderListing } from './order.js';
import { stockListing } from './stock.js';
import { receiptListing } from './receipt.js';
import { agingListing } from './aging.js';
import { agingReport } from '../domain/receivables/aging.js';
import { cashForecast } from '../domain/collections/forecast/forecast.js';
import { runAlerts } from '../domain/collections/alerts/run-alerts.js';
import { forecastListing } from './forecast.js';
import { alertListing } from './alert.js';
import { setUpBook } from './init.js';

/** Marks a book as the demo's own, so demo may wipe it again but never a real book. */
const DEMO_MARK = 'book.demo';

function demoRuntime(rt: Runtime): Runtime {
  if (rt.targetGiven) return rt;
  const file = path.join(path.dirname(rt.target.location), 'demo.sqlite');
  return { ...rt, target: parseTarget(file) };
}

async function readFixture(name: string): Promise<Record<string, string>[]> {
  const { parse } = await import('csv-parse/sync');
  const text = fs.readFileSync(path.join(packageRoot(), 'fixtures', 'demo', name), 'utf8');
  return parse(text, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
}

async function assertDisposable(db: Database): Promise<void> {
  const state = await migrationState(db.knex);
  if (state.applied.length === 0) return;
  const mark = await db.knex('settings').where({ key: DEMO_MARK }).first();
  const customers = await db.knex('customers').count({ n: '*' }).first();
  if (!mark && Number(customers?.n ?? 0) > 0) {
    throw new RefusedError(
      `${db.target.display} holds a real book; the demo only builds into a new or demo database`,
      'run the demo without --db (it uses demo.sqlite beside the default book), or name an empty one',
    );
  }
}

async function wipe(rt: Runtime): Promise<void> {
  if (rt.target.engine === 'sqlite') {
    if (fs.existsSync(rt.target.location)) {
      const db = await Database.open(rt.target, { create: false });
      try {
        await assertDisposable(db);
      } finally {
        await db.close();
      }
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${rt.target.location}${suffix}`, { force: true });
    }
    return;
  }
  const db = await Database.open(rt.target, { create: true });
  try {
    await assertDisposable(db);
    await rollbackAll(db.knex);
  } finally {
    await db.close();
  }
}

async function loadDemoCompany(store: Store, actor: Actor): Promise<void> {
  for (const row of await readFixture('customers.csv')) {
    await addCustomer(store, actor, row.code!, {
      name: row.name!,
      email: row.email ?? '',
      phone: row.phone ?? '',
      taxId: row.tax_id ?? '',
      ...(row.currency ? { currency: row.currency } : {}),
      ...(row.terms ? { terms: row.terms } : {}),
      creditLimit: row.credit_limit ?? '',
      segment: row.segment ?? '',
      birthday: row.birthday ?? '',
      address: row.address ?? '',
    });
  }
  for (const row of await readFixture('products.csv')) {
    const stock = row.stock ?? '';
    await addProduct(store, actor, row.sku!, {
      name: row.name!,
      price: row.price!,
      unit: row.unit || 'pcs',
      taxRate: row.tax_rate!,
      ...(stock === '' ? { service: true } : {}),
    });
    if (stock !== '' && stock !== '0') {
      await receiveStock(store, actor, { sku: row.sku!, quantity: stock, reference: 'OPENING', date: addDays(actor.today, -180) });
    }
  }
  await store.settings.set(DEMO_MARK, 'true');
}

export function registerDemo(program: Command, io: Io): void {
  program
    .command('demo')
    .description('build a fresh demo company from fixtures and take a short tour')
    .addHelpText('after', `
The demo never touches your book: without --db it builds demo.sqlite beside the default book,
and it refuses any database that holds real data.
Examples:
  $ owed demo
  $ owed demo --db /tmp/demo.sqlite --today 2026-11-27`)
    .action(action(io, async (given) => {
      const rt = demoRuntime(given);
      await wipe(rt);
      const db = await Database.open(rt.target, { create: true });
      let book;
      try {
        await setUpBook(rt, db);
        book = await db.transaction(async (q) => {
          const store = createStore(q, { user: rt.user, command: rt.command, now: rt.now });
          const actor: Actor = { user: rt.user, role: 'admin', today: rt.today, now: rt.now };
          await loadDemoCompany(store, actor);
          await loadDemoSales(store, actor);
          return {
            customers: await store.customers.list({}),
            stock: await store.stock.levels({}),
            orders: await store.orders.list({}),
            invoices: await store.invoices.list({}, rt.today),
            receipts: await store.receipts.list({}, rt.today),
            aging: await agingReport(store, { asOf: rt.today, provision: true }),
            forecast: await cashForecast(store, rt.today, { unit: 'week', count: 13 }),
            alerts: await runAlerts(store, actor, rt.today),
          };
        });
      } finally {
        await db.close();
      }
      const sections: Listing[] = [
        { ...customerListing(book.customers), title: `Customers (${book.customers.length})` },
        { ...stockListing(book.stock), title: `Stock (${book.stock.length} stocked products)` },
        { ...orderListing(book.orders), title: `Orders (${book.orders.length})` },
        { ...invoiceListing(book.invoices, rt.today), title: `Invoices and credit notes as of ${rt.today}` },
        { ...receiptListing(book.receipts), title: 'Receipts, reconciled by reconcile auto' },
        agingListing(book.aging),
        ...[...new Set(book.forecast.periods.map((p) => p.currency))].map((c) => forecastListing(book.forecast, c, rt.format === 'table')),
        alertListing(book.alerts.active, `Alerts as of ${rt.today}`),
      ];
      if (rt.format === 'json') {
        writeResult(rt, renderJson({
          database: rt.target.display,
          as_of: rt.today,
          customers: listingToJson(sections[0]!),
          stock: listingToJson(sections[1]!),
          orders: listingToJson(sections[2]!),
          invoices: listingToJson(sections[3]!),
          receipts: listingToJson(sections[4]!),
          aging: listingToJson(sections[5]!),
          forecast: listingToJson(sections[6]!),
          alerts: listingToJson(sections[sections.length - 1]!),
        }));
        return;
      }
      const dbFlag = rt.target.engine === 'sqlite' ? rt.target.location : rt.target.display;
      const parts = [
        `owed demo — a small trading company, as of ${rt.today}\nbook: ${rt.target.display}\n`,
        ...sections.map((l) => render(l, rt.format, { color: rt.color })),
      ];
      if (rt.format === 'table') {
        parts.push(`Explore it:\n  export OWED_DB=${dbFlag}\n  owed customer statement C001\n  owed order show ${book.orders[book.orders.length - 1]?.number ?? 'SO-…'}\n  owed invoice list --status overdue\n  owed reconcile list\n  owed aging --as-of ${addDays(rt.today, -30)} --provision\n  owed forecast --backtest\n  owed alert run --fail-on critical\n  owed stock list\n`);
      }
      writeResult(rt, parts.join('\n'));
      note(rt, 'demo ready');
    }));
}
