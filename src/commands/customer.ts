import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook, withBook } from '../cli/book.js';
import { optionalAmountOption } from '../cli/options.js';
import { emitCreated, emitListing, emitRecord, note } from '../cli/output.js';
import { askForMissing, type Missing } from '../cli/prompt.js';
import type { Listing } from '../cli/render/index.js';
import { addCustomer } from '../domain/customers/add-customer.js';
import type { Customer } from '../domain/customers/customer.js';
import type { CustomerInput } from '../domain/customers/customer-input.js';
import { editCustomer } from '../domain/customers/edit-customer.js';
import { NotFoundError } from '../domain/errors.js';
import { customerStatement } from '../domain/receivables/statement.js';
import { dateOption } from '../cli/options.js';
import { emitStatement } from './statement-view.js';

interface CustomerOptions {
  name?: string;
  email?: string;
  phone?: string;
  taxId?: string;
  currency?: string;
  terms?: string;
  creditLimit?: string;
  segment?: string;
  birthday?: string;
  address?: string;
  language?: string;
  hold?: boolean;
}

function customerFieldOptions(command: Command): Command {
  return command
    .option('--name <name>', 'company name, e.g. 上海华美贸易有限公司')
    .option('--email <email>', 'billing email for statements and reminders')
    .option('--phone <phone>', 'phone number')
    .option('--tax-id <id>', 'tax id (统一社会信用代码)')
    .option('--currency <code>', 'currency invoices are issued in (default: currency.base)')
    .option('--terms <code>', 'payment terms: NET0, NET15, NET30, NET45, NET60, NET90, EOM30, … (default: terms.default)')
    .option('--credit-limit <amount>', 'credit limit in major units; 0 means cash only, "" means no limit', optionalAmountOption)
    .option('--segment <segment>', 'customer segment for analysis, e.g. A, B, C')
    .option('--birthday <MM-DD>', 'a date to remember (care reminders)')
    .option('--address <address>', 'billing address')
    .option('--language <lang>', 'language of statements and reminders: zh-CN or en (default: from the name)');
}

function toInput(o: CustomerOptions): CustomerInput {
  return {
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.email !== undefined ? { email: o.email } : {}),
    ...(o.phone !== undefined ? { phone: o.phone } : {}),
    ...(o.taxId !== undefined ? { taxId: o.taxId } : {}),
    ...(o.currency !== undefined ? { currency: o.currency } : {}),
    ...(o.terms !== undefined ? { terms: o.terms } : {}),
    ...(o.creditLimit !== undefined ? { creditLimit: o.creditLimit } : {}),
    ...(o.segment !== undefined ? { segment: o.segment } : {}),
    ...(o.birthday !== undefined ? { birthday: o.birthday } : {}),
    ...(o.address !== undefined ? { address: o.address } : {}),
    ...(o.language !== undefined ? { language: o.language } : {}),
    ...(o.hold !== undefined ? { onHold: o.hold } : {}),
  };
}

const LIST_COLUMNS: Listing['columns'] = [
  { key: 'code', header: 'Code' },
  { key: 'name', header: 'Name' },
  { key: 'currency', header: 'Cur' },
  { key: 'terms', header: 'Terms' },
  { key: 'credit_limit', header: 'Credit limit', kind: 'money' },
  { key: 'segment', header: 'Seg' },
  { key: 'email', header: 'Email' },
  { key: 'phone', header: 'Phone' },
  { key: 'on_hold', header: 'Hold', kind: 'boolean' },
];

const DETAIL_COLUMNS: Listing['columns'] = [
  { key: 'code', header: 'Code' },
  { key: 'name', header: 'Name' },
  { key: 'email', header: 'Email' },
  { key: 'phone', header: 'Phone' },
  { key: 'tax_id', header: 'Tax id' },
  { key: 'currency', header: 'Currency' },
  { key: 'terms', header: 'Terms' },
  { key: 'credit_limit', header: 'Credit limit', kind: 'money' },
  { key: 'segment', header: 'Segment' },
  { key: 'birthday', header: 'Birthday' },
  { key: 'address', header: 'Address' },
  { key: 'language', header: 'Language' },
  { key: 'on_hold', header: 'On hold', kind: 'boolean' },
  { key: 'created_at', header: 'Created' },
  { key: 'updated_at', header: 'Updated' },
];

export function customerRow(c: Customer): Record<string, string | boolean | null | Customer['creditLimit']> {
  return {
    code: c.code,
    name: c.name,
    email: c.email,
    phone: c.phone,
    tax_id: c.taxId,
    currency: c.currency,
    terms: c.terms,
    credit_limit: c.creditLimit,
    segment: c.segment,
    birthday: c.birthday,
    address: c.address,
    language: c.language,
    on_hold: c.onHold,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function customerListing(customers: readonly Customer[]): Listing {
  return { columns: LIST_COLUMNS, rows: customers.map(customerRow) };
}

export function registerCustomer(program: Command, io: Io): void {
  const customer = program.command('customer').description('customers: add, list, show, edit')
    .addHelpText('after', `\nExamples:\n  $ owed customer add C001 --name "上海华美贸易有限公司" --credit-limit 50000\n  $ owed customer list --json\n  $ owed customer statement C001`);

  customerFieldOptions(
    customer
      .command('add')
      .description('add a customer')
      .argument('[code]', 'customer code, e.g. C001'),
  )
    .option('--hold', 'put the customer on credit hold')
    .addHelpText('after', `
Examples:
  $ owed customer add C001 --name "上海华美贸易有限公司" --terms NET30 --credit-limit 50000 --email ap@huamei.example.cn
  $ owed customer add ACME --name "Acme Trading Ltd" --currency USD --language en`)
    .action(action<CustomerOptions>(io, async (rt, args, options) => {
      const missing: Missing[] = [];
      if (args[0] === undefined) missing.push({ flag: 'CODE', question: 'Customer code' });
      if (options.name === undefined) missing.push({ flag: '--name', question: 'Customer name' });
      const answers = await askForMissing(rt, missing, 'owed customer add C001 --name "上海华美贸易有限公司"');
      const code = args[0] ?? answers.shift()!;
      const name = options.name ?? answers.shift()!;
      const created = await withBook(rt, (store, actor) => addCustomer(store, actor, code, toInput({ ...options, name })));
      emitCreated(rt, 'code', created.code);
      note(rt, `added customer ${created.code} ${created.name}`);
    }));

  customer
    .command('list')
    .description('list customers')
    .option('--segment <segment>', 'only this segment')
    .addHelpText('after', `
Examples:
  $ owed customer list
  $ owed customer list --segment A --format csv -o customers.csv`)
    .action(action<{ segment?: string }>(io, async (rt, _args, options) => {
      const customers = await readBook(rt, (store) =>
        store.customers.list(options.segment !== undefined ? { segment: options.segment } : {}));
      emitListing(rt, customerListing(customers));
    }));

  customer
    .command('show')
    .description('show one customer')
    .argument('<code>', 'customer code')
    .addHelpText('after', `
Example:
  $ owed customer show C001 --json`)
    .action(action(io, async (rt, args) => {
      const found = await readBook(rt, (store) => store.customers.find(args[0]!));
      if (!found) throw new NotFoundError('customer', args[0]!, 'list customers with: owed customer list');
      const row = customerRow(found);
      emitRecord(rt, { columns: DETAIL_COLUMNS, rows: [row] }, row);
    }));

  customer
    .command('statement')
    .description('the customer’s account: opening balance, every document with a running balance, closing balance and its aging')
    .argument('<code>', 'customer code')
    .option('--from <YYYY-MM-DD>', 'first day (default: the first document)', dateOption)
    .option('--to <YYYY-MM-DD>', 'last day (default: today)', dateOption)
    .addHelpText('after', `
Examples:
  $ owed customer statement C001 --from 2026-10-01 --to 2026-10-31
  $ owed customer statement C001 --json -o statement-C001.json`)
    .action(action<{ from?: string; to?: string }>(io, async (rt, args, o) => {
      const statement = await readBook(rt, (store, actor) =>
        customerStatement(store, actor, args[0]!, { ...(o.from !== undefined ? { from: o.from } : {}), ...(o.to !== undefined ? { to: o.to } : {}) }));
      emitStatement(rt, statement);
    }));

  customerFieldOptions(
    customer
      .command('edit')
      .description('change a customer; give only what changes ("" clears an optional field)')
      .argument('<code>', 'customer code'),
  )
    .option('--hold', 'put the customer on credit hold')
    .option('--no-hold', 'release the credit hold')
    .addHelpText('after', `
Examples:
  $ owed customer edit C001 --credit-limit 80000 --terms NET45
  $ owed customer edit C001 --email "" --hold`)
    .action(action<CustomerOptions>(io, async (rt, args, options) => {
      const result = await withBook(rt, (store, actor) => editCustomer(store, actor, args[0]!, toInput(options)));
      emitCreated(rt, 'code', result.customer.code, { changed: result.changed });
      note(rt, result.changed.length === 0
        ? `customer ${result.customer.code} unchanged`
        : `changed ${result.changed.join(', ')} of customer ${result.customer.code}`);
    }));
}
