import type { Knex } from 'knex';
import type { Store } from '../domain/store.js';
import { auditLog, settingsRepository, userRepository, type WriteContext } from './repositories/administration.js';
import { customerRepository } from './repositories/customers.js';
import { agingQueries } from './repositories/aging.js';
import { allocationRepository } from './repositories/allocations.js';
import { alertRepository, disputeRepository, reminderRepository } from './repositories/collections.js';
import { collectionQueries } from './repositories/collection-queries.js';
import { historyQueries } from './repositories/history.js';
import { exportQueries } from './repositories/exports.js';
import { journalQueries } from './repositories/journal.js';
import { importRepository } from './repositories/imports.js';
import { invoiceRepository } from './repositories/invoices.js';
import { receiptRepository } from './repositories/receipts.js';
import { reconciliationRepository } from './repositories/reconciliation.js';
import { customerLedger } from './repositories/ledger.js';
import { numberSeries } from './repositories/numbers.js';
import { orderRepository } from './repositories/orders.js';
import { productRepository, stockRepository } from './repositories/products.js';

export type { WriteContext } from './repositories/administration.js';

/** The domain's ports over one knex transaction. */
export function createStore(q: Knex, ctx: WriteContext): Store {
  return {
    settings: settingsRepository(q, ctx),
    users: userRepository(q),
    audit: auditLog(q, ctx),
    customers: customerRepository(q),
    products: productRepository(q),
    stock: stockRepository(q, ctx.user),
    numbers: numberSeries(q),
    orders: orderRepository(q),
    invoices: invoiceRepository(q),
    ledger: customerLedger(q),
    receipts: receiptRepository(q),
    allocations: allocationRepository(q),
    reconciliation: reconciliationRepository(q, ctx),
    aging: agingQueries(q),
    alerts: alertRepository(q),
    reminders: reminderRepository(q),
    disputes: disputeRepository(q),
    history: historyQueries(q),
    collections: collectionQueries(q),
    journal: journalQueries(q),
    exports: exportQueries(q),
    imports: importRepository(q),
  };
}
