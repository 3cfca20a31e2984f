import { RefusedError, type Problem } from '../../errors.js';
import { parseDate } from '../../dates.js';
import { isNegative, parseMoney, type Money } from '../../money/index.js';
import { approveOrder } from '../../sales/approve-order.js';
import type { Order, OrderLine } from '../../sales/order.js';
import { documentTotals, lineAmounts } from '../../sales/pricing.js';
import { parseQuantity } from '../../stock/quantity.js';
import type { ImportedOrderContent } from '../../store.js';
import { Problems } from '../../validation.js';
import { BatchFindings, duplicateKey, type EntityImporter, type SourceRow } from '../importer.js';

/** The state an order is imported in: a draft unless the file says approved or cancelled. */
type ImportState = 'draft' | 'approved' | 'cancelled';

interface OrderRow {
  readonly number: string;
  readonly customer: string;
  readonly date: string;
  readonly state: ImportState;
  readonly lines: readonly { readonly row: SourceRow; readonly sku: string; readonly quantity: number; readonly price: string | null }[];
}

const NUMBER = /^[\p{L}\p{N}][\p{L}\p{N}._\-/]{0,31}$/u;
const COLUMNS = ['order_ref', 'customer', 'date', 'sku', 'qty', 'price', 'state'];
/** What duplicateKey needs to word the problem of an order whose rows are not together. */
const SHAPE = { columns: COLUMNS, groupBy: 'order_ref' };
const STATES: readonly ImportState[] = ['draft', 'approved', 'cancelled'];

function sameContent(old: ImportedOrderContent, order: Order): boolean {
  return old.customer === order.customer && old.date === order.date && old.lines.length === order.lines.length
    && old.lines.every((l, i) => l.sku === order.lines[i]!.sku && l.quantity === order.lines[i]!.quantity && l.unitPrice === order.lines[i]!.unitPrice.minor);
}

function prepareOrder(rows: readonly SourceRow[]): { key: string; record: OrderRow } | Problem[] {
  const out: Problem[] = [];
  const first = rows[0]!;
  const f = (row: SourceRow, k: string) => row.fields.get(k)?.trim() ?? '';
  const number = f(first, 'order_ref');
  const customer = f(first, 'customer');
  const dateText = f(first, 'date');
  const stateText = f(first, 'state').toLowerCase();
  const lines: { row: SourceRow; sku: string; quantity: number; price: string | null }[] = [];
  let date: string | undefined;
  for (const row of rows) {
    const problems = new Problems(row.line);
    if (row === first) {
      if (!NUMBER.test(number)) problems.add('order_ref', number, 'must be 1 to 32 letters, digits or . _ - /');
      if (customer === '') problems.add('customer', customer, 'is required');
      date = problems.check(() => parseDate(dateText, 'date'));
      if (stateText !== '' && !(STATES as readonly string[]).includes(stateText)) problems.add('state', f(row, 'state'), `must be ${STATES.join(', ')} or empty (draft)`);
    } else {
      // An order has one customer, date and state: every line must repeat the first line's.
      for (const [field, value] of [['customer', customer], ['date', dateText], ['state', stateText]] as const) {
        const mine = field === 'state' ? f(row, field).toLowerCase() : f(row, field);
        if (mine !== value) problems.add(field, f(row, field), `differs from line ${first.line}, the first line of order ${number} (${JSON.stringify(value)})`);
      }
    }
    const sku = f(row, 'sku');
    if (sku === '') problems.add('sku', sku, 'is required');
    const quantity = problems.check(() => parseQuantity(f(row, 'qty'), 'qty', { signed: false }));
    const price = f(row, 'price');
    out.push(...problems.all());
    if (quantity !== undefined) lines.push({ row, sku, quantity, price: price === '' ? null : price });
  }
  if (out.length > 0) return out;
  return { key: number, record: { number, customer, date: date!, state: (stateText || 'draft') as ImportState, lines } };
}

/**
 * Orders taken elsewhere: one row per line, the rows of one order one after another, the order's
 * number (order_ref) kept. They enter owed's lifecycle where every order does, as drafts: nothing
 * reserved, no credit used, until `owed order approve` runs the credit check. Rows marked
 * `approved` stay drafts and are counted as awaiting approval, unless `approve` is set: then each
 * is approved on import by that same use-case (credit check, stock reservation, audit), and a
 * refusal is a conflict (exit 5), never a silent pass. `cancelled` rows come in cancelled.
 * See docs/IMPORT.md.
 */
export function createOrderImporter(options: { approve: boolean }): EntityImporter<OrderRow> {
  let awaiting = 0;
  return {
    entity: 'orders',
    columns: COLUMNS,
    required: ['order_ref', 'customer', 'date', 'sku', 'qty'],
    groupBy: 'order_ref',
    prepare(row) {
      return prepareOrder([row]);
    },
    prepareGroup(rows) {
      return prepareOrder(rows);
    },
    async commit(batch, ctx) {
      const customers = await ctx.store.imports.customersByCode(batch.map((b) => b.record.customer));
      const products = await ctx.store.imports.productsBySku(batch.flatMap((b) => b.record.lines.map((l) => l.sku)));
      const existing = await ctx.store.imports.ordersByNumber(batch.map((b) => b.key));
      const found = new BatchFindings();
      const fresh: Order[] = [];
      const freshRows: SourceRow[] = [];
      const toApprove: { row: SourceRow; order: Order }[] = [];
      const taxInclusive = ctx.settings.pricesIncludeTax;
      for (const b of batch) {
        const r = b.record;
        const old = existing.get(r.number);
        const earlier = old ? ctx.claim(old.id, b.row) : undefined;
        if (earlier !== undefined) {
          found.problem(b.row, duplicateKey(SHAPE, b.row.line, r.number, earlier));
          continue;
        }
        const customer = customers.get(r.customer);
        if (!customer) {
          found.problem(b.row, { row: b.row.line, field: 'customer', value: r.customer, reason: 'unknown customer; import customers first (owed import customers)' });
        }
        const currency = customer?.currency;
        const lines: OrderLine[] = [];
        for (const [i, l] of r.lines.entries()) {
          const p = new Problems(l.row.line);
          const product = products.get(l.sku);
          if (!product) p.add('sku', l.sku, 'unknown product; import products first (owed import products)');
          let unitPrice: Money | undefined;
          if (l.price !== null) {
            // Checked in the customer's currency; without a customer the line is judged on its SKU and qty alone.
            if (currency !== undefined) unitPrice = p.check(() => parseMoney(l.price!, currency, 'price'));
            if (unitPrice && isNegative(unitPrice)) {
              p.add('price', l.price, 'must not be negative');
              unitPrice = undefined;
            }
          } else if (product && currency !== undefined) {
            if (product.price.currency !== currency) p.add('price', '', `is needed: ${l.sku} has a list price in ${product.price.currency} and customer ${r.customer} is billed in ${currency}`);
            else unitPrice = product.price;
          }
          for (const problem of p.all()) found.problem(l.row, problem);
          if (!product || !unitPrice || p.any) continue;
          const amounts = lineAmounts(l.quantity, unitPrice, product.taxRate, taxInclusive);
          lines.push({
            lineNo: i + 1, sku: product.sku, description: product.name, stocked: product.stocked, quantity: l.quantity, unitPrice,
            taxRate: product.taxRate, net: amounts.net, tax: amounts.tax, shipped: 0, invoiced: 0, reserved: 0, returned: 0,
          });
        }
        if (!customer || lines.length !== r.lines.length) continue;
        const totals = documentTotals(lines, customer.currency);
        const order: Order = {
          number: r.number,
          customer: customer.code,
          customerName: customer.name,
          date: r.date,
          currency: customer.currency,
          state: r.state === 'cancelled' ? 'cancelled' : 'draft',
          reference: null,
          taxInclusive,
          ...totals,
          createdAt: ctx.actor.now,
          createdBy: ctx.actor.user,
          approvedAt: null,
          approvedBy: null,
          overrideReason: null,
          cancelledAt: r.state === 'cancelled' ? ctx.actor.now : null,
          cancelReason: r.state === 'cancelled' ? 'cancelled before import' : null,
          lines,
        };
        if (old) {
          // The state is the order's at import; owed's lifecycle moves it on, so only the content is compared.
          if (sameContent(old, order)) found.present++;
          else found.conflict(b.row, `order ${r.number} already exists with a different customer, date or lines`);
        } else if (r.state === 'approved' && options.approve) {
          toApprove.push({ row: b.row, order });
        } else {
          if (r.state === 'approved') awaiting++;
          fresh.push(order);
          freshRows.push(b.row);
        }
      }
      (await ctx.store.imports.insertOrders(fresh)).forEach((id, i) => ctx.claim(id, freshRows[i]!));
      found.created += fresh.length;
      // Approval is owed's own, one order at a time: the credit check (limit, overdue, hold) and the
      // stock reservation, each seeing the orders approved before it. A refused order is undone whole.
      let approved = 0;
      for (const { row, order } of toApprove) {
        try {
          const [id] = await ctx.store.imports.savepoint(async () => {
            const ids = await ctx.store.imports.insertOrders([order]);
            await approveOrder(ctx.store, ctx.actor, order.number, {});
            return ids;
          });
          ctx.claim(id!, row);
          fresh.push(order);
          approved++;
          found.created++;
        } catch (error) {
          if (!(error instanceof RefusedError)) throw error;
          found.conflict(row, `order ${order.number} is approved in the file, but ${error.message}; import it as a draft (state draft) and approve it with owed order approve, which finance can --override`);
        }
      }
      if (fresh.length > 0) {
        const highest = new Map<number, number>();
        for (const o of fresh) {
          const m = /^SO-(\d{4})-(\d{6})$/.exec(o.number);
          if (m) highest.set(Number(m[1]), Math.max(highest.get(Number(m[1])) ?? 0, Number(m[2])));
        }
        for (const [year, last] of highest) await ctx.store.imports.raiseNumbers('SO', year, last);
        const total = fresh.reduce((s, o) => s + o.lines.length, 0);
        await ctx.store.audit.record({
          entity: 'order',
          key: `${fresh[0]!.number}…${fresh[fresh.length - 1]!.number}`,
          action: 'import',
          detail: { created: fresh.length, lines: total, approved },
        });
      }
      return found;
    },
    async finish() {
      return awaiting > 0 ? { awaiting_approval: awaiting } : {};
    },
  };
}
