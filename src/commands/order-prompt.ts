import { readBook } from '../cli/book.js';
import type { Runtime } from '../cli/runtime.js';
import { UsageError } from '../domain/errors.js';
import { add, formatMoney, money, parseMoney } from '../domain/money/index.js';
import { lineAmounts } from '../domain/sales/pricing.js';
import type { Customer } from '../domain/customers/customer.js';
import type { Product } from '../domain/products/product.js';

/**
 * Walks a person through an order on a terminal: pick the customer, add lines while seeing the
 * running net, tax and total, then confirm. Returns what `order create` would take as flags.
 */
export async function promptOrder(
  rt: Runtime,
  givenCustomer: string | undefined,
  givenLines: readonly string[],
  taxInclusive: boolean,
): Promise<{ customer: string; lines: string[] }> {
  const { select, input, confirm } = await import('@inquirer/prompts');
  const { customers, products } = await readBook(rt, async (store) => ({
    customers: await store.customers.list({}),
    products: await store.products.list(),
  }));
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const err = (text: string) => rt.streams.stderr.write(`${text}\n`);

  let customer: Customer | undefined = customers.find((c) => c.code === givenCustomer);
  if (!customer) {
    const code = customers.length > 0 && customers.length <= 500
      ? await select({ message: 'Customer', choices: customers.map((c) => ({ name: `${c.code}  ${c.name}`, value: c.code })), pageSize: 15 })
      : await input({ message: 'Customer code', required: true, validate: (v) => customers.some((c) => c.code === v.trim()) || 'no such customer' });
    customer = customers.find((c) => c.code === code.trim())!;
  }
  const currency = customer.currency;
  const lines = [...givenLines];
  let net = money(0, currency);
  let tax = money(0, currency);
  const addLine = (product: Product, quantity: number, price: string | undefined): void => {
    const unit = price === undefined ? product.price : parseMoney(price, currency, 'price');
    const amounts = lineAmounts(quantity, unit, product.taxRate, taxInclusive);
    net = add(net, amounts.net);
    tax = add(tax, amounts.tax);
    err(`  ${product.sku} ${product.name} × ${quantity} @ ${formatMoney(unit)} → net ${formatMoney(amounts.net)}, VAT ${product.taxRate}% ${formatMoney(amounts.tax)}`);
    err(`  order so far: net ${formatMoney(net)}  tax ${formatMoney(tax)}  total ${formatMoney(add(net, tax))} ${currency}`);
  };
  for (;;) {
    const text = (await input({
      message: `Line SKU:QTY[:PRICE] for ${customer.code} (empty to finish)`,
      validate: (v) => {
        const t = v.trim();
        if (t === '') return lines.length > 0 || 'add at least one line';
        const [sku, qty, price] = t.split(':');
        const product = bySku.get(sku ?? '');
        if (!product) return `unknown SKU ${sku}`;
        if (!/^\d+$/.test(qty ?? '') || Number(qty) <= 0) return 'quantity must be a whole number above zero';
        if (price === undefined && product.price.currency !== currency) return `give the ${currency} price: ${sku}:${qty}:PRICE`;
        if (price !== undefined) {
          try {
            parseMoney(price, currency, 'price');
          } catch {
            return `not a ${currency} price: ${price}`;
          }
        }
        return true;
      },
    })).trim();
    if (text === '') break;
    const [sku, qty, price] = text.split(':');
    addLine(bySku.get(sku!)!, Number(qty), price);
    lines.push(text);
  }
  if (!(await confirm({ message: `Create the order for ${customer.code} ${customer.name}, total ${formatMoney(add(net, tax))} ${currency}?`, default: true }))) {
    throw new UsageError('cancelled; nothing was written');
  }
  return { customer: customer.code, lines };
}
