import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { NotFoundError, PermissionError, RefusedError, ValidationError } from '../../src/domain/errors.js';
import { initialiseBook } from '../../src/domain/initialise.js';
import { addProduct } from '../../src/domain/products/add-product.js';
import type { Product, StockLevel } from '../../src/domain/products/product.js';
import { setSetting } from '../../src/domain/settings/set-setting.js';
import { adjustStock, receiveStock } from '../../src/domain/stock/move-stock.js';
import type { Store } from '../../src/domain/store.js';
import { addUser, setUserRole } from '../../src/domain/users/add-user.js';
import { Database } from '../../src/storage/database.js';
import { createStore } from '../../src/storage/store.js';
import { snapshot } from '../support/cli.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

const TODAY = '2026-11-27';
const NOW = '2026-11-27T10:00:00.000Z';
const LATER = '2026-11-28T08:30:00.000Z';

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
      await addUser(store, actor, 'fay', 'finance');
    }, 'user add');
  });

  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  /** One command: a transaction whose actor's role is read from the book, as withBook does. */
  function as<T>(user: string, work: (store: Store, actor: Actor) => Promise<T>, command = 'test', now = NOW): Promise<T> {
    return db.transaction(async (q) => {
      const store = createStore(q, { user, command, now });
      const found = await store.users.find(user);
      return work(store, { user, role: found?.role ?? null, today: TODAY, now });
    });
  }

  async function failure(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e,
    );
  }

  function level(sku: string): Promise<StockLevel | undefined> {
    return as('alice', async (store) => (await store.stock.levels({ sku }))[0], 'stock list');
  }

  async function moves(): Promise<Record<string, unknown>[]> {
    return db.knex('stock_moves as m')
      .join('products as p', 'p.id', 'm.product_id')
      .select('p.sku', 'm.date', 'm.quantity', 'm.kind', 'm.reference', 'm.reason', 'm.created_at', 'm.created_by')
      .orderBy('m.id');
  }

  async function auditRows(entity: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = await db.knex('audit_log')
      .select('at', 'user_name', 'command', 'entity', 'entity_key', 'action', 'detail')
      .where({ entity })
      .orderBy('id');
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(String(r.detail)) }));
  }

  function addWidget(): Promise<Product> {
    return as('alice', (store, actor) => addProduct(store, actor, 'W-1', { name: '螺丝 M3', price: '1.25' }), 'product add');
  }

  describe('products', () => {
    it('round-trips every field, Chinese text and the largest safe price, exactly', async () => {
      const created = await as('sam', (store, actor) =>
        addProduct(store, actor, ' 零件/A-01 ', { name: ' 不锈钢螺丝（M3×10） ', price: '¥90,071,992,547,409.91', unit: '盒', taxRate: '9%' }), 'product add');
      const expected: Product = {
        sku: '零件/A-01',
        name: '不锈钢螺丝（M3×10）',
        price: { minor: 9007199254740991, currency: 'CNY' },
        unit: '盒',
        taxRate: '9',
        stocked: true,
        createdAt: NOW,
      };
      expect(created).toEqual(expected);
      expect(await as('alice', (store) => store.products.find('零件/A-01'))).toEqual(expected);
      const [row] = await db.knex('products').select('price', 'on_hand', 'reserved').where({ sku: '零件/A-01' });
      expect(row).toEqual({ price: 9007199254740991, on_hand: 0, reserved: 0 });
      expect(await level('零件/A-01')).toEqual({ sku: '零件/A-01', name: '不锈钢螺丝（M3×10）', unit: '盒', onHand: 0, reserved: 0, available: 0 });
    });

    it('defaults: pcs, the default tax rate and the base currency from settings', async () => {
      await as('alice', (store, actor) => setSetting(store, actor, 'currency.base', 'EUR'), 'settings set');
      await as('alice', (store, actor) => setSetting(store, actor, 'tax.default_rate', '6'), 'settings set');
      const p = await as('alice', (store, actor) => addProduct(store, actor, 'EU-1', { name: 'Widget', price: '€10' }), 'product add');
      expect(p).toEqual({ sku: 'EU-1', name: 'Widget', price: { minor: 1000, currency: 'EUR' }, unit: 'pcs', taxRate: '6', stocked: true, createdAt: NOW });
      expect(await as('alice', (store) => store.products.find('EU-1'))).toEqual(p);
    });

    it('a duplicate SKU is refused (exit 5) and writes nothing', async () => {
      await addWidget();
      const before = await snapshot(scratch.target);
      const error = await failure(as('alice', (store, actor) => addProduct(store, actor, 'W-1', { name: 'Other', price: '2' }), 'product add'));
      expect(error).toBeInstanceOf(RefusedError);
      expect((error as RefusedError).exitCode).toBe(5);
      expect((error as RefusedError).message).toBe('product W-1 already exists');
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('a tax rate not in the settings is refused; once added to tax.rates it is accepted and stored canonically', async () => {
      const before = await snapshot(scratch.target);
      const error = await failure(as('alice', (store, actor) => addProduct(store, actor, 'T-1', { name: 'Tea', price: '5', taxRate: '6.5' }), 'product add'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).exitCode).toBe(3);
      expect((error as ValidationError).problems.map((p) => [p.field, p.value])).toEqual([['tax_rate', '6.5']]);
      expect((error as ValidationError).problems[0]!.reason).toContain('owed settings set tax.rates 13,9,6,0,6.5');
      expect(await snapshot(scratch.target)).toBe(before);

      await as('alice', (store, actor) => setSetting(store, actor, 'tax.rates', '13,9,6,6.5,0'), 'settings set');
      const p = await as('alice', (store, actor) => addProduct(store, actor, 'T-1', { name: 'Tea', price: '5', taxRate: '6.50' }), 'product add');
      expect(p.taxRate).toBe('6.5');
      expect((await as('alice', (store) => store.products.find('T-1')))!.taxRate).toBe('6.5');
    });

    it('invalid product input lists every problem', async () => {
      const error = await failure(as('alice', (store, actor) => addProduct(store, actor, '/bad sku', { name: '', price: '-1', unit: '', taxRate: '200' }), 'product add'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.field)).toEqual(['sku', 'name', 'price', 'unit', 'tax_rate']);
    });

    it('a viewer and an unregistered user may not add products', async () => {
      const before = await snapshot(scratch.target);
      for (const user of ['vic', 'eve']) {
        const error = await failure(as(user, (store, actor) => addProduct(store, actor, 'X', { name: 'X', price: '1' }), 'product add'));
        expect(error).toBeInstanceOf(PermissionError);
        expect((error as PermissionError).exitCode).toBe(6);
      }
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('audits the add with user, command, entity, key, action', async () => {
      await addWidget();
      expect(await auditRows('product')).toEqual([
        { at: NOW, user_name: 'alice', command: 'product add', entity: 'product', entity_key: 'W-1', action: 'add', detail: { name: '螺丝 M3', price: '1.25' } },
      ]);
    });
  });

  describe('stock', () => {
    it('receive and adjust change on hand, record the moves with YYYY-MM-DD dates and audit them', async () => {
      await addWidget();
      const r = await as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '100', reference: ' GRN-1 ' }), 'stock receive');
      expect(r).toEqual({ level: { sku: 'W-1', name: '螺丝 M3', unit: 'pcs', onHand: 100, reserved: 0, available: 100 }, replayed: false });
      const a = await as('fay', (store, actor) => adjustStock(store, actor, { sku: 'W-1', quantity: '-7', reason: ' 盘点 stocktake ', date: '2026-11-20' }), 'stock adjust', LATER);
      expect(a.level.onHand).toBe(93);
      expect(a.replayed).toBe(false);
      expect(await level('W-1')).toEqual({ sku: 'W-1', name: '螺丝 M3', unit: 'pcs', onHand: 93, reserved: 0, available: 93 });

      expect(await moves()).toEqual([
        { sku: 'W-1', date: TODAY, quantity: 100, kind: 'receive', reference: 'GRN-1', reason: null, created_at: NOW, created_by: 'sam' },
        { sku: 'W-1', date: '2026-11-20', quantity: -7, kind: 'adjust', reference: null, reason: '盘点 stocktake', created_at: LATER, created_by: 'fay' },
      ]);
      expect(await auditRows('stock')).toEqual([
        { at: NOW, user_name: 'sam', command: 'stock receive', entity: 'stock', entity_key: 'W-1', action: 'receive', detail: { quantity: 100, date: TODAY, reference: 'GRN-1', reason: null } },
        { at: LATER, user_name: 'fay', command: 'stock adjust', entity: 'stock', entity_key: 'W-1', action: 'adjust', detail: { quantity: -7, date: '2026-11-20', reference: null, reason: '盘点 stocktake' } },
      ]);
      const latest = await as('alice', (store) => store.audit.list({ limit: 2 }), 'audit');
      expect(latest.map((r) => [r.user, r.command, r.entity, r.key, r.action])).toEqual([
        ['fay', 'stock adjust', 'stock', 'W-1', 'adjust'],
        ['sam', 'stock receive', 'stock', 'W-1', 'receive'],
      ]);
      expect(latest[0]!.id).toBeGreaterThan(latest[1]!.id);
    });

    it('replaying a receipt with the same reference and content is a no-op that says so', async () => {
      await addWidget();
      await as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '40', reference: 'GRN-7' }), 'stock receive');
      const before = await snapshot(scratch.target);
      const again = await as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '+40', reference: 'GRN-7' }), 'stock receive', LATER);
      expect(again).toEqual({ level: { sku: 'W-1', name: '螺丝 M3', unit: 'pcs', onHand: 40, reserved: 0, available: 40 }, replayed: true });
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('replaying an adjustment with the same reference, quantity, date and reason is a no-op', async () => {
      await addWidget();
      await as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '10' }), 'stock receive');
      const input = { sku: 'W-1', quantity: '-3', reason: 'damage', reference: 'ADJ-1', date: '2026-11-25' };
      await as('sam', (store, actor) => adjustStock(store, actor, input), 'stock adjust');
      const before = await snapshot(scratch.target);
      const again = await as('sam', (store, actor) => adjustStock(store, actor, input), 'stock adjust');
      expect(again.replayed).toBe(true);
      expect(again.level.onHand).toBe(7);
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('the same reference with a different quantity, date or reason is refused (exit 5) and writes nothing', async () => {
      await addWidget();
      await as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '40', reference: 'GRN-7' }), 'stock receive');
      await as('sam', (store, actor) => adjustStock(store, actor, { sku: 'W-1', quantity: '-1', reason: 'damage', reference: 'ADJ-1' }), 'stock adjust');
      const before = await snapshot(scratch.target);
      const differentQuantity = await failure(as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '41', reference: 'GRN-7' })));
      expect(differentQuantity).toBeInstanceOf(RefusedError);
      expect((differentQuantity as RefusedError).exitCode).toBe(5);
      expect((differentQuantity as RefusedError).message).toBe(`receive GRN-7 of W-1 is already recorded with different content (40 on ${TODAY})`);
      const differentDate = await failure(as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '40', reference: 'GRN-7', date: '2026-11-26' })));
      expect(differentDate).toBeInstanceOf(RefusedError);
      const differentReason = await failure(as('sam', (store, actor) => adjustStock(store, actor, { sku: 'W-1', quantity: '-1', reason: 'theft', reference: 'ADJ-1' })));
      expect(differentReason).toBeInstanceOf(RefusedError);
      expect(await snapshot(scratch.target)).toBe(before);
      expect((await level('W-1'))!.onHand).toBe(39);
    });

    it('a reference is per product and per kind: the same text on another product or kind is a new move', async () => {
      await addWidget();
      await as('alice', (store, actor) => addProduct(store, actor, 'W-2', { name: 'Nut', price: '0.10' }), 'product add');
      await as('sam', async (store, actor) => {
        await receiveStock(store, actor, { sku: 'W-1', quantity: '5', reference: 'REF' });
        await receiveStock(store, actor, { sku: 'W-2', quantity: '6', reference: 'REF' });
        const adjusted = await adjustStock(store, actor, { sku: 'W-1', quantity: '2', reason: 'found', reference: 'REF' });
        expect(adjusted.replayed).toBe(false);
      }, 'stock receive');
      expect((await level('W-1'))!.onHand).toBe(7);
      expect((await level('W-2'))!.onHand).toBe(6);
      expect(await moves()).toHaveLength(3);
    });

    it('moves without a reference are never deduplicated', async () => {
      await addWidget();
      for (let i = 0; i < 2; i++) {
        const r = await as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '5', reference: '  ' }), 'stock receive');
        expect(r.replayed).toBe(false);
      }
      expect((await level('W-1'))!.onHand).toBe(10);
      expect((await moves()).map((m) => m.reference)).toEqual([null, null]);
    });

    it('adjusting below zero is refused and writes nothing; down to exactly zero is allowed', async () => {
      await addWidget();
      await as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '5' }), 'stock receive');
      const before = await snapshot(scratch.target);
      const error = await failure(as('sam', (store, actor) => adjustStock(store, actor, { sku: 'W-1', quantity: '-6', reason: 'stocktake' })));
      expect(error).toBeInstanceOf(RefusedError);
      expect((error as RefusedError).exitCode).toBe(5);
      expect((error as RefusedError).message).toBe('stock of W-1 cannot go to -1: 5 on hand, 0 reserved for approved orders');
      expect(await snapshot(scratch.target)).toBe(before);
      const zero = await as('sam', (store, actor) => adjustStock(store, actor, { sku: 'W-1', quantity: '-5', reason: 'stocktake' }));
      expect(zero.level).toMatchObject({ onHand: 0, available: 0 });
    });

    it('bad quantities, dates and a missing reason are ValidationErrors listing every problem', async () => {
      await addWidget();
      const before = await snapshot(scratch.target);
      const adjust = await failure(as('sam', (store, actor) => adjustStock(store, actor, { sku: 'W-1', quantity: '0', date: '2026-02-29', reason: ' ' })));
      expect(adjust).toBeInstanceOf(ValidationError);
      expect((adjust as ValidationError).problems.map((p) => p.field)).toEqual(['quantity', 'date', 'reason']);
      const receive = await failure(as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '-5' })));
      expect(receive).toBeInstanceOf(ValidationError);
      expect((receive as ValidationError).problems.map((p) => p.field)).toEqual(['quantity']);
      const fractional = await failure(as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '1.5' })));
      expect(fractional).toBeInstanceOf(ValidationError);
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('service products cannot be stocked and do not appear in stock levels', async () => {
      await as('alice', (store, actor) => addProduct(store, actor, 'SVC', { name: '安装服务', price: '300', service: true, taxRate: '6' }), 'product add');
      await addWidget();
      expect((await as('alice', (store) => store.products.find('SVC')))!.stocked).toBe(false);
      const before = await snapshot(scratch.target);
      const receive = await failure(as('sam', (store, actor) => receiveStock(store, actor, { sku: 'SVC', quantity: '1' })));
      expect(receive).toBeInstanceOf(RefusedError);
      expect((receive as RefusedError).message).toBe('SVC is a service and is not stocked');
      const adjust = await failure(as('sam', (store, actor) => adjustStock(store, actor, { sku: 'SVC', quantity: '1', reason: 'x' })));
      expect(adjust).toBeInstanceOf(RefusedError);
      expect(await snapshot(scratch.target)).toBe(before);
      const levels = await as('alice', (store) => store.stock.levels({}), 'stock list');
      expect(levels.map((l) => l.sku)).toEqual(['W-1']);
    });

    it('an unknown SKU is a NotFoundError (exit 4)', async () => {
      const error = await failure(as('sam', (store, actor) => receiveStock(store, actor, { sku: 'NOPE', quantity: '1' })));
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).exitCode).toBe(4);
    });

    it('a viewer and an unregistered user may not receive or adjust stock', async () => {
      await addWidget();
      const before = await snapshot(scratch.target);
      for (const user of ['vic', 'eve']) {
        const r = await failure(as(user, (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '1' })));
        expect(r).toBeInstanceOf(PermissionError);
        expect((r as PermissionError).exitCode).toBe(6);
        const a = await failure(as(user, (store, actor) => adjustStock(store, actor, { sku: 'W-1', quantity: '1', reason: 'x' })));
        expect(a).toBeInstanceOf(PermissionError);
      }
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('a reference longer than the 100-character column is refused as invalid input on both engines', async () => {
      // stock_moves.reference is varchar(100): PostgreSQL fails with a raw 22001 error (exit 1)
      // and SQLite stores it; the use-case should refuse it as a ValidationError on both.
      await addWidget();
      const reference = 'R'.repeat(101);
      const error = await failure(as('sam', (store, actor) => receiveStock(store, actor, { sku: 'W-1', quantity: '1', reference })));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems.map((p) => p.field)).toEqual(['reference']);
    });
  });

  describe('settings and users', () => {
    it('setSetting normalises, stores and audits; an unchanged value writes nothing', async () => {
      const change = await as('fay', (store, actor) => setSetting(store, actor, 'aging.buckets', ' 15, 45 ,90 '), 'settings set', LATER);
      expect(change).toEqual({ key: 'aging.buckets', from: '30,60,90,120', to: '15,45,90' });
      const [row] = await db.knex('settings').select('value', 'updated_at', 'updated_by').where({ key: 'aging.buckets' });
      expect(row).toEqual({ value: '15,45,90', updated_at: LATER, updated_by: 'fay' });
      expect(await auditRows('setting')).toEqual([
        { at: LATER, user_name: 'fay', command: 'settings set', entity: 'setting', entity_key: 'aging.buckets', action: 'set', detail: { from: '30,60,90,120', to: '15,45,90' } },
      ]);
      const before = await snapshot(scratch.target);
      expect(await as('fay', (store, actor) => setSetting(store, actor, 'aging.buckets', '15,45,90'), 'settings set')).toEqual({ key: 'aging.buckets', from: '15,45,90', to: '15,45,90' });
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('setSetting refuses unknown keys and bad values (ValidationError) and sales/viewers (PermissionError)', async () => {
      const before = await snapshot(scratch.target);
      const unknown = await failure(as('alice', (store, actor) => setSetting(store, actor, 'currency.bse', 'USD')));
      expect(unknown).toBeInstanceOf(ValidationError);
      expect((unknown as ValidationError).problems).toEqual([{ field: 'key', value: 'currency.bse', reason: 'unknown setting' }]);
      const bad = await failure(as('alice', (store, actor) => setSetting(store, actor, 'aging.buckets', '60,30')));
      expect(bad).toBeInstanceOf(ValidationError);
      for (const user of ['sam', 'vic', 'eve']) {
        const denied = await failure(as(user, (store, actor) => setSetting(store, actor, 'stock.allow_backorder', 'yes')));
        expect(denied).toBeInstanceOf(PermissionError);
        expect((denied as PermissionError).exitCode).toBe(6);
      }
      expect(await snapshot(scratch.target)).toBe(before);
    });

    it('addUser: admin only; the same user and role again is a no-op; another role is refused', async () => {
      const added = await as('alice', (store, actor) => addUser(store, actor, ' 李四 ', 'FINANCE'), 'user add', LATER);
      expect(added).toEqual({ name: '李四', role: 'finance', createdAt: LATER });
      expect(await as('alice', (store) => store.users.find('李四'))).toEqual(added);
      expect((await auditRows('user')).at(-1)).toEqual({ at: LATER, user_name: 'alice', command: 'user add', entity: 'user', entity_key: '李四', action: 'add', detail: { role: 'finance' } });

      const before = await snapshot(scratch.target);
      expect(await as('alice', (store, actor) => addUser(store, actor, '李四', 'finance'), 'user add')).toEqual(added);
      expect(await snapshot(scratch.target)).toBe(before);
      const other = await failure(as('alice', (store, actor) => addUser(store, actor, '李四', 'sales'), 'user add'));
      expect(other).toBeInstanceOf(RefusedError);
      expect((other as RefusedError).message).toBe('user 李四 already exists as finance');
      for (const user of ['fay', 'sam', 'vic', 'eve']) {
        const denied = await failure(as(user, (store, actor) => addUser(store, actor, 'zed', 'viewer'), 'user add'));
        expect(denied).toBeInstanceOf(PermissionError);
      }
      const badRole = await failure(as('alice', (store, actor) => addUser(store, actor, 'zed', 'boss'), 'user add'));
      expect(badRole).toBeInstanceOf(ValidationError);
      expect(await snapshot(scratch.target)).toBe(before);
      const users = await as('alice', (store) => store.users.list());
      expect(users.map((u) => [u.name, u.role])).toEqual([['alice', 'admin'], ['fay', 'finance'], ['sam', 'sales'], ['vic', 'viewer'], ['李四', 'finance']]);
    });

    it('setUserRole changes a role and audits it; the only admin cannot demote themselves', async () => {
      const result = await as('alice', (store, actor) => setUserRole(store, actor, 'vic', 'sales'), 'user set-role');
      expect(result).toEqual({ user: { name: 'vic', role: 'sales', createdAt: NOW }, from: 'viewer' });
      expect((await auditRows('user')).at(-1)).toMatchObject({ user_name: 'alice', command: 'user set-role', entity_key: 'vic', action: 'set-role', detail: { from: 'viewer', to: 'sales' } });
      const before = await snapshot(scratch.target);
      const self = await failure(as('alice', (store, actor) => setUserRole(store, actor, 'alice', 'finance'), 'user set-role'));
      expect(self).toBeInstanceOf(RefusedError);
      expect(await snapshot(scratch.target)).toBe(before);
    });
  });
});
