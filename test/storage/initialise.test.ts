import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { initialiseBook, type InitialiseResult } from '../../src/domain/initialise.js';
import { setSetting } from '../../src/domain/settings/set-setting.js';
import { Database } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createStore } from '../../src/storage/store.js';
import { snapshot } from '../support/cli.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

const TODAY = '2026-11-27';
const NOW = '2026-11-27T10:00:00.000Z';

const DEFAULTS: Record<string, string> = {
  'aging.buckets': '30,60,90,120',
  'alerts.bad_debt_percent': '2',
  'alerts.concentration_percent': '30',
  'alerts.dso_days': '60',
  'alerts.email': '',
  'alerts.exposure_critical_percent': '100',
  'alerts.exposure_warn_percent': '90',
  'alerts.forecast_floor': '0',
  'alerts.invoice_overdue_critical_days': '90',
  'alerts.invoice_overdue_warn_days': '30',
  'alerts.overdue_share_percent': '20',
  'alerts.webhook': '',
  'company.name': '',
  'credit.block_overdue_days': '60',
  'currency.base': 'CNY',
  'import.bulk_after': '50000',
  'journal.account.bad_debts': 'Expenses:Bad Debts',
  'journal.account.bank': 'Assets:Bank',
  'journal.account.cash': 'Assets:Cash',
  'journal.account.customer_credit': 'Liabilities:Customer Credit',
  'journal.account.discounts': 'Expenses:Discounts and Fees',
  'journal.account.opening': 'Equity:Opening Balances',
  'journal.account.receivable': 'Assets:Receivable',
  'journal.account.sales': 'Income:Sales',
  'journal.account.vat_output': 'Liabilities:VAT Output',
  'provision.rates': '1,3,10,20,50,100',
  'reconcile.rules': 'reference,exact,subset,oldest',
  'reconcile.tolerance': '0',
  'remind.hold_level': 'final',
  'remind.levels': '-3:courtesy,1:first,15:second,30:final,60:collections',
  'remind.max_receipts_age_days': '7',
  'remind.payment_instructions': '',
  'remind.template.en': '',
  'remind.template.zh-CN': '',
  'smtp.from': '',
  'smtp.host': '',
  'smtp.password_env': 'OWED_SMTP_PASSWORD',
  'smtp.password_file': '',
  'smtp.port': '587',
  'smtp.secure': 'false',
  'smtp.user': '',
  'stock.allow_backorder': 'false',
  'tax.default_rate': '13',
  'tax.prices_include_tax': 'false',
  'tax.rates': '13,9,6,0',
  terms: 'NET0,NET15,NET30,NET45,NET60,NET90,EOM30',
  'terms.default': 'NET30',
};

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeEach(async () => {
    ({ scratch, db } = await migratedBook(engine));
  });

  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  /** What `owed init` does after migrating: initialiseBook in one transaction, as admin. */
  function init(user: string, now = NOW): Promise<InitialiseResult> {
    return db.transaction((q) =>
      initialiseBook(createStore(q, { user, command: 'init', now }), { user, role: 'admin', today: TODAY, now }));
  }

  /** Runs work as a user whose role is read from the book, as withBook does. */
  function asUser<T>(user: string, work: (store: ReturnType<typeof createStore>, actor: Actor) => Promise<T>, command = 'test'): Promise<T> {
    return db.transaction(async (q) => {
      const store = createStore(q, { user, command, now: NOW });
      const found = await store.users.find(user);
      return work(store, { user, role: found?.role ?? null, today: TODAY, now: NOW });
    });
  }

  async function settingsRows(): Promise<Record<string, string>> {
    const rows: { key: string; value: string }[] = await db.knex('settings').select('key', 'value').orderBy('key');
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  it('seeds every default setting with its exact value', async () => {
    const result = await init('alice');
    expect([...result.settingsSeeded].sort()).toEqual(Object.keys(DEFAULTS).sort());
    expect(await settingsRows()).toEqual(DEFAULTS);
    const meta: { updated_at: string; updated_by: string }[] = await db.knex('settings').distinct('updated_at', 'updated_by');
    expect(meta).toEqual([{ updated_at: NOW, updated_by: 'alice' }]);
  });

  it('makes the acting user admin of a book without users, and audits it', async () => {
    const result = await init('alice');
    expect(result.adminCreated).toBe('alice');
    expect(await db.knex('users').select('name', 'role', 'created_at')).toEqual([
      { name: 'alice', role: 'admin', created_at: NOW },
    ]);
    const audit: Record<string, unknown>[] = await db.knex('audit_log').select('at', 'user_name', 'command', 'entity', 'entity_key', 'action', 'detail');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ at: NOW, user_name: 'alice', command: 'init', entity: 'book', entity_key: 'init', action: 'init' });
    const detail = JSON.parse(String(audit[0]!.detail)) as { settings: string[]; admin: string };
    expect(detail.admin).toBe('alice');
    expect([...detail.settings].sort()).toEqual(Object.keys(DEFAULTS).sort());
  });

  it('running init (migrate + seed) a second time changes nothing', async () => {
    await init('alice');
    const before = await snapshot(scratch.target);
    expect(await migrateToLatest(db.knex)).toEqual([]);
    const again = await init('alice', '2026-11-28T09:00:00.000Z');
    expect(again).toEqual({ settingsSeeded: [], adminCreated: null });
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('a setting the user changed survives a re-run of init', async () => {
    await init('alice');
    const change = await asUser('alice', (store, actor) => setSetting(store, actor, 'terms.default', 'net 45'));
    expect(change).toEqual({ key: 'terms.default', from: 'NET30', to: 'NET45' });
    await asUser('alice', (store, actor) => setSetting(store, actor, 'currency.base', 'usd'));
    const again = await init('alice', '2026-11-28T09:00:00.000Z');
    expect(again.settingsSeeded).toEqual([]);
    expect(await settingsRows()).toEqual({ ...DEFAULTS, 'terms.default': 'NET45', 'currency.base': 'USD' });
  });

  it('a setting deleted from the book is seeded again, the others are left alone', async () => {
    await init('alice');
    await asUser('alice', (store, actor) => setSetting(store, actor, 'tax.rates', '13, 6.50, 0'));
    await db.knex('settings').where({ key: 'aging.buckets' }).delete();
    const again = await init('alice');
    expect(again).toEqual({ settingsSeeded: ['aging.buckets'], adminCreated: null });
    expect(await settingsRows()).toEqual({ ...DEFAULTS, 'tax.rates': '13,6.5,0' });
  });

  it('a second user running init on a book that has users is not made admin', async () => {
    await init('alice');
    const before = await snapshot(scratch.target);
    const result = await init('mallory');
    expect(result).toEqual({ settingsSeeded: [], adminCreated: null });
    expect(await db.knex('users').select('name', 'role')).toEqual([{ name: 'alice', role: 'admin' }]);
    expect(await snapshot(scratch.target)).toBe(before);
  });

  it('init by another user when the only user is a viewer still grants nothing', async () => {
    await init('alice');
    await db.knex('users').where({ name: 'alice' }).update({ role: 'viewer' });
    const result = await init('bob');
    expect(result.adminCreated).toBeNull();
    expect(await db.knex('users').select('name', 'role')).toEqual([{ name: 'alice', role: 'viewer' }]);
  });

  it('a user name in Chinese is stored exactly as the admin and as updated_by of the seeded settings', async () => {
    await init('张三');
    expect(await db.knex('users').select('name', 'role')).toEqual([{ name: '张三', role: 'admin' }]);
    const meta: { updated_by: string }[] = await db.knex('settings').distinct('updated_by');
    expect(meta).toEqual([{ updated_by: '张三' }]);
  });
});
