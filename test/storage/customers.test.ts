import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { addCustomer } from '../../src/domain/customers/add-customer.js';
import type { Customer } from '../../src/domain/customers/customer.js';
import { editCustomer } from '../../src/domain/customers/edit-customer.js';
import { invoiceDirect } from '../../src/domain/invoicing/issue-invoice.js';
import { addProduct } from '../../src/domain/products/add-product.js';
import { recordReceipt } from '../../src/domain/receivables/record-receipt.js';
import { createOrder } from '../../src/domain/sales/create-order.js';
import { NotFoundError, PermissionError, RefusedError, ValidationError } from '../../src/domain/errors.js';
import { initialiseBook } from '../../src/domain/initialise.js';
import { setSetting } from '../../src/domain/settings/set-setting.js';
import type { Store } from '../../src/domain/store.js';
import { addUser } from '../../src/domain/users/add-user.js';
import { Database } from '../../src/storage/database.js';
import { createStore } from '../../src/storage/store.js';
import { snapshot } from '../support/cli.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

const TODAY = '2026-11-27';
const NOW = '2026-11-27T10:00:00.000Z';
const LATER = '2026-11-28T08:30:00.000Z';
const MAX_LIMIT_TEXT = '90071992547409.91';
const MAX_SAFE_MINOR = 9007199254740991;

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeEach(async () => {
    ({ scratch, db } = await migratedBook(engine));
    await db.transaction((q) =>
      initialiseBook(createStore(q, { user: 'alice', command: 'init', now: NOW }), { user: 'alice', role: 'admin', today: TODAY, now: NOW }));
    await as('alice', async (store, actor) => {
      await addUser(store, actor, 'sam', 'sales');
      await addUser(store, actor, 'vic', 'viewer');
    }, 'user add');
  });

  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  /** One command: a transaction whose actor's role is read from the book, as withBook does. */
  function as<T>(user: string, work: (store: Store, actor: Actor) => Promise<T>, command = 'customer add', now = NOW): Promise<T> {
    return db.transaction(async (q) => {
      const store = createStore(q, { user, command, now });
      const found = await store.users.find(user);
      return work(store, { user, role: found?.role ?? null, today: TODAY, now });
    });
  }

  function read(code: string): Promise<Customer | undefined> {
    return as('alice', (store) => store.customers.find(code), 'customer show');
  }

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e,
    );
  }

  async function auditRows(entity: string): Promise<Record<string, unknown>[]> {
    return db.knex('audit_log')
      .select('at', 'user_name', 'command', 'entity', 'entity_key', 'action', 'detail')
      .where({ entity })
      .orderBy('id');
  }

  const FULL = {
    name: '  上海华美贸易有限公司  ',
    email: 'ap@huamei.example.cn',
    phone: '+86 21 6123-4567',
    taxId: '91310000mA1fl2xq3k',
    currency: 'cny',
    terms: 'net 45',
    creditLimit: MAX_LIMIT_TEXT,
    segment: 'A类',
    birthday: '02-29',
    address: '上海市浦东新区世纪大道100号 88楼',
    onHold: true,
  } as const;

  it('round-trips every field, Chinese text and the largest safe credit limit, exactly', async () => {
    const created = await as('alice', (store, actor) => addCustomer(store, actor, ' 华美001 ', FULL));
    const expected: Customer = {
      code: '华美001',
      name: '上海华美贸易有限公司',
      email: 'ap@huamei.example.cn',
      phone: '+86 21 6123-4567',
      taxId: '91310000MA1FL2XQ3K',
      currency: 'CNY',
      terms: 'NET45',
      creditLimit: { minor: MAX_SAFE_MINOR, currency: 'CNY' },
      segment: 'A类',
      birthday: '02-29',
      address: '上海市浦东新区世纪大道100号 88楼',
      language: 'zh-CN',
      onHold: true,
      createdAt: NOW,
      updatedAt: NOW,
    };
    expect(created).toEqual(expected);
    const back = await read('华美001');
    expect(back).toEqual(expected);
    expect(typeof back!.creditLimit!.minor).toBe('number');
    expect(back!.onHold).toBe(true);

    // The column itself comes back as an exact JS number on both engines (BIGINT on PostgreSQL).
    const [row] = await db.knex('customers').select('credit_limit').where({ code: '华美001' });
    expect(row).toEqual({ credit_limit: MAX_SAFE_MINOR });
  });

  it('a new customer without options gets the book defaults and a language from its name', async () => {
    const zh = await as('alice', (store, actor) => addCustomer(store, actor, 'C001', { name: '北京某某科技' }));
    const en = await as('alice', (store, actor) => addCustomer(store, actor, 'C002', { name: 'Acme Trading Ltd' }));
    for (const c of [zh, en]) {
      expect(c).toMatchObject({ currency: 'CNY', terms: 'NET30', creditLimit: null, email: null, phone: null, taxId: null, segment: null, birthday: null, address: null, onHold: false });
    }
    expect((await read('C001'))!.language).toBe('zh-CN');
    expect((await read('C002'))!.language).toBe('en');
    expect(await read('C002')).toEqual(en);
    const rows: { code: string; on_hold: unknown }[] = await db.knex('customers').select('code', 'on_hold').orderBy('code');
    expect(rows.map((r) => [r.code, r.on_hold === true || r.on_hold === 1])).toEqual([['C001', false], ['C002', false]]);
  });

  it('new customers follow changed settings: currency.base and terms.default', async () => {
    await as('alice', (store, actor) => setSetting(store, actor, 'currency.base', 'USD'), 'settings set');
    await as('alice', (store, actor) => setSetting(store, actor, 'terms.default', 'EOM30'), 'settings set');
    const c = await as('alice', (store, actor) => addCustomer(store, actor, 'US1', { name: 'Yankee Doodle Inc', creditLimit: '1,000.5' }));
    expect(c).toMatchObject({ currency: 'USD', terms: 'EOM30', creditLimit: { minor: 100050, currency: 'USD' }, language: 'en' });
    expect(await read('US1')).toEqual(c);
  });

  it('a zero credit limit (cash only) is kept apart from no limit', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'CASH', { name: 'Cash Only Co', creditLimit: '0' }));
    await as('alice', (store, actor) => addCustomer(store, actor, 'FREE', { name: 'No Limit Co', creditLimit: '' }));
    expect((await read('CASH'))!.creditLimit).toEqual({ minor: 0, currency: 'CNY' });
    expect((await read('FREE'))!.creditLimit).toBeNull();
  });

  it('a credit limit one minor unit above the largest safe integer is refused and nothing is written', async () => {
    const before = await snapshot(scratch.target);
    const error = await failure(as('alice', (store, actor) => addCustomer(store, actor, 'BIG', { name: 'Big', creditLimit: '90071992547409.92' })));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual(['credit_limit']);
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('a 200-character Chinese name fits on both engines', async () => {
    const name = '华'.repeat(200);
    await as('alice', (store, actor) => addCustomer(store, actor, 'LONG', { name }));
    expect((await read('LONG'))!.name).toBe(name);
  });

  it('a duplicate code is refused (exit 5) and writes nothing', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'C001', { name: 'First' }));
    const before = await snapshot(scratch.target);
    const error = await failure(as('alice', (store, actor) => addCustomer(store, actor, ' C001', { name: 'Second' })));
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as RefusedError).exitCode).toBe(5);
    expect((error as RefusedError).message).toBe('customer C001 already exists');
    expect((error as RefusedError).hint).toBe('change it with: owed customer edit C001 …');
    expect(await snapshot(scratch.target)).toBe(before);
    expect((await read('C001'))!.name).toBe('First');
  });

  it('a refusal whose message happens to contain "connect" stays a RefusedError (not "cannot reach PostgreSQL")', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'INTERCONNECT', { name: 'Interconnect Ltd' }));
    const error = await failure(as('alice', (store, actor) => addCustomer(store, actor, 'INTERCONNECT', { name: 'Again' })));
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as RefusedError).exitCode).toBe(5);
  });

  it('a not-found whose key contains "timeout" stays a NotFoundError (exit 4)', async () => {
    const error = await failure(as('alice', (store, actor) => editCustomer(store, actor, 'TIMEOUT-1', { name: 'x' }), 'customer edit'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).exitCode).toBe(4);
  });

  it('unknown currency and terms: one ValidationError (exit 3) listing every problem, nothing written', async () => {
    const before = await snapshot(scratch.target);
    const error = await failure(as('alice', (store, actor) =>
      addCustomer(store, actor, 'bad code!', { name: ' ', currency: 'XYZ', terms: 'NET7', email: 'not-an-email', creditLimit: '-5', birthday: '13-01', language: 'fr' })));
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.exitCode).toBe(3);
    expect(v.problems.map((p) => p.field)).toEqual(['code', 'name', 'email', 'currency', 'terms', 'credit_limit', 'birthday', 'language']);
    expect(v.problems.find((p) => p.field === 'currency')).toEqual({ field: 'currency', value: 'XYZ', reason: 'unknown currency; known: CNY, EUR, GBP, HKD, JPY, USD' });
    expect(v.problems.find((p) => p.field === 'terms')).toEqual({ field: 'terms', value: 'NET7', reason: 'unknown payment terms; known: NET0, NET15, NET30, NET45, NET60, NET90, EOM30' });
    expect(v.message).toBe('8 problems in the input');
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('a missing name is a ValidationError', async () => {
    const error = await failure(as('alice', (store, actor) => addCustomer(store, actor, 'C9', {})));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([{ field: 'name', reason: 'is required' }]);
  });

  it('an email longer than the 200-character column is refused as invalid input on both engines', async () => {
    // customers.email is varchar(200); the validator must stop what the column cannot hold
    // instead of PostgreSQL failing with a raw 22001 error (and SQLite silently storing it).
    const email = `${'a'.repeat(190)}@example.com`;
    const error = await failure(as('alice', (store, actor) => addCustomer(store, actor, 'MAIL', { name: 'Mail', email })));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual(['email']);
  });

  it('edit changes only the given fields, bumps updated_at and audits from/to', async () => {
    const original = await as('alice', (store, actor) => addCustomer(store, actor, 'C001', FULL));
    const result = await as('sam', (store, actor) =>
      editCustomer(store, actor, 'C001', { terms: 'NET60', creditLimit: '80,000', email: '' }), 'customer edit', LATER);
    expect([...result.changed].sort()).toEqual(['credit_limit', 'email', 'terms']);
    const expected: Customer = {
      ...original,
      terms: 'NET60',
      creditLimit: { minor: 8000000, currency: 'CNY' },
      email: null,
      updatedAt: LATER,
    };
    expect(result.customer).toEqual(expected);
    expect(await read('C001')).toEqual(expected);

    const audit = await auditRows('customer');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ user_name: 'alice', command: 'customer add', entity_key: 'C001', action: 'add', at: NOW });
    expect(JSON.parse(String(audit[0]!.detail))).toEqual({ name: '上海华美贸易有限公司' });
    expect(audit[1]).toMatchObject({ user_name: 'sam', command: 'customer edit', entity: 'customer', entity_key: 'C001', action: 'edit', at: LATER });
    expect(JSON.parse(String(audit[1]!.detail))).toEqual({
      email: { from: 'ap@huamei.example.cn', to: null },
      terms: { from: 'NET45', to: 'NET60' },
      credit_limit: { from: '90071992547409.91 CNY', to: '80000.00 CNY' },
    });
  });

  it('an edit that changes nothing writes nothing', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'C001', FULL));
    const before = await snapshot(scratch.target);
    const result = await as('alice', (store, actor) =>
      editCustomer(store, actor, 'C001', { terms: 'NET45', name: '上海华美贸易有限公司', creditLimit: MAX_LIMIT_TEXT }), 'customer edit', LATER);
    expect(result.changed).toEqual([]);
    expect(result.customer.updatedAt).toBe(NOW);
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('edit can clear every optional field with ""', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'C001', FULL));
    const result = await as('alice', (store, actor) =>
      editCustomer(store, actor, 'C001', { email: '', phone: '', taxId: '', creditLimit: '', segment: '', birthday: '', address: '', onHold: false }), 'customer edit', LATER);
    expect([...result.changed].sort()).toEqual(['address', 'birthday', 'credit_limit', 'email', 'on_hold', 'phone', 'segment', 'tax_id']);
    expect(await read('C001')).toMatchObject({ email: null, phone: null, taxId: null, creditLimit: null, segment: null, birthday: null, address: null, onHold: false, name: '上海华美贸易有限公司', terms: 'NET45' });
  });

  it('edit with invalid input is a ValidationError and leaves the customer as it was', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'C001', FULL));
    const before = await snapshot(scratch.target);
    const error = await failure(as('alice', (store, actor) => editCustomer(store, actor, 'C001', { currency: 'ABC', terms: 'EOM99' }), 'customer edit'));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.field)).toEqual(['currency', 'terms']);
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('edit of an unknown customer is a NotFoundError (exit 4)', async () => {
    const error = await failure(as('alice', (store, actor) => editCustomer(store, actor, 'NOPE', { name: 'x' }), 'customer edit'));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).exitCode).toBe(4);
  });

  it('changing the currency to one with other minor digits keeps the credit limit\'s amount', async () => {
    // 50,000.00 CNY is 5,000,000 fen. Re-denominated in JPY (no minor unit) the limit must read
    // 50,000 JPY, not 5,000,000 JPY: the edit keeps the count of minor units and so multiplies the
    // limit by 100.
    await as('alice', (store, actor) => addCustomer(store, actor, 'JP1', { name: 'Tokyo KK', creditLimit: '50000' }));
    const result = await as('alice', (store, actor) => editCustomer(store, actor, 'JP1', { currency: 'JPY' }), 'customer edit');
    expect(result.customer.creditLimit).toEqual({ minor: 50000, currency: 'JPY' });
    expect((await read('JP1'))!.creditLimit).toEqual({ minor: 50000, currency: 'JPY' });
  });

  it('changing the currency between two-digit currencies keeps the credit limit\'s amount', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'US1', { name: 'Acme', creditLimit: '50000' }));
    await as('alice', (store, actor) => editCustomer(store, actor, 'US1', { currency: 'usd' }), 'customer edit');
    expect(await read('US1')).toMatchObject({ currency: 'USD', creditLimit: { minor: 5000000, currency: 'USD' } });
  });

  it('the currency of a customer named by any order, invoice or receipt cannot change; nothing is written', async () => {
    await as('alice', async (store, actor) => {
      await addProduct(store, actor, 'S1', { name: 'Service', price: '100', service: true });
      for (const code of ['ORD', 'INV', 'RCT', 'NONE']) await addCustomer(store, actor, code, { name: code });
      await createOrder(store, actor, { customer: 'ORD', lines: ['S1:1'], date: TODAY });
      await invoiceDirect(store, actor, { customer: 'INV', lines: ['S1:1'], date: TODAY });
      await recordReceipt(store, actor, { customer: 'RCT', amount: '10.00', date: TODAY });
    }, 'setup');
    const named = await as('alice', async (store) => Object.fromEntries(await Promise.all(
      ['ORD', 'INV', 'RCT', 'NONE'].map(async (code) => [code, await store.customers.hasDocuments(code)] as const))), 'customer show');
    expect(named).toEqual({ ORD: true, INV: true, RCT: true, NONE: false });

    const before = await snapshot(scratch.target);
    for (const code of ['ORD', 'INV', 'RCT']) {
      const error = await failure(as('alice', (store, actor) => editCustomer(store, actor, code, { currency: 'USD' }), 'customer edit'));
      expect(error).toBeInstanceOf(RefusedError);
      expect((error as RefusedError).message).toBe(`customer ${code} has orders, invoices or receipts in CNY; its currency cannot change`);
    }
    expect(await snapshot(scratch.target)).toEqual(before);
    await as('alice', (store, actor) => editCustomer(store, actor, 'NONE', { currency: 'USD' }), 'customer edit');
    expect((await read('NONE'))!.currency).toBe('USD');
  });

  it('a viewer may not add or edit customers (PermissionError, exit 6) and nothing is written', async () => {
    await as('alice', (store, actor) => addCustomer(store, actor, 'C001', { name: 'First' }));
    const before = await snapshot(scratch.target);
    const add = await failure(as('vic', (store, actor) => addCustomer(store, actor, 'C002', { name: 'x' })));
    expect(add).toBeInstanceOf(PermissionError);
    expect((add as PermissionError).exitCode).toBe(6);
    expect((add as PermissionError).message).toBe('user "vic" (viewer) may not add customers');
    const edit = await failure(as('vic', (store, actor) => editCustomer(store, actor, 'C001', { name: 'x' }), 'customer edit'));
    expect(edit).toBeInstanceOf(PermissionError);
    expect((edit as PermissionError).message).toBe('user "vic" (viewer) may not edit customers');
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('an unregistered user may not add customers and is told how to get added', async () => {
    const before = await snapshot(scratch.target);
    const error = await failure(as('eve', (store, actor) => addCustomer(store, actor, 'C002', { name: 'x' })));
    expect(error).toBeInstanceOf(PermissionError);
    expect((error as PermissionError).exitCode).toBe(6);
    expect((error as PermissionError).message).toBe('user "eve" is not registered in this book and cannot add customers');
    expect((error as PermissionError).hint).toContain('owed user add eve');
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('a sales user may add customers; the audit row records who, which command, what', async () => {
    await as('sam', (store, actor) => addCustomer(store, actor, 'S1', { name: 'Sales Lead Co' }));
    expect(await auditRows('customer')).toEqual([
      { at: NOW, user_name: 'sam', command: 'customer add', entity: 'customer', entity_key: 'S1', action: 'add', detail: JSON.stringify({ name: 'Sales Lead Co' }) },
    ]);
    const listed = await as('alice', (store) => store.audit.list({ entity: 'customer', key: 'S1' }), 'audit');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ at: NOW, user: 'sam', command: 'customer add', entity: 'customer', key: 'S1', action: 'add', detail: { name: 'Sales Lead Co' } });
    expect(typeof listed[0]!.id).toBe('number');
  });

  it('list orders by code and filters by segment', async () => {
    await as('alice', async (store, actor) => {
      await addCustomer(store, actor, 'B2', { name: 'Bee', segment: 'A' });
      await addCustomer(store, actor, 'A1', { name: 'Ay', segment: 'B' });
      await addCustomer(store, actor, 'C3', { name: 'Cee', segment: 'A' });
    });
    const all = await as('alice', (store) => store.customers.list({}), 'customer list');
    expect(all.map((c) => c.code)).toEqual(['A1', 'B2', 'C3']);
    const a = await as('alice', (store) => store.customers.list({ segment: 'A' }), 'customer list');
    expect(a.map((c) => c.code)).toEqual(['B2', 'C3']);
  });
});
