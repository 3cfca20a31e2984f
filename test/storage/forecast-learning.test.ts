/**
 * The forecast's saved learning (migration 0010): a forecast keeps what it learned as of its
 * date, the next one as of that date reuses it while no allocation was made since, and anything
 * that could make it stale — a new allocation, another owed's learning method, another date —
 * makes it learn again. Reused or learned, the forecast is the same.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentBehaviour } from '../../src/domain/collections/forecast/behaviour.js';
import { cashForecast, learnAsOf } from '../../src/domain/collections/forecast/forecast.js';
import type { Store } from '../../src/domain/store.js';
import { generateBook } from '../../src/fixtures/generate-book.js';
import { loadBook } from '../../src/storage/bulk/load-book.js';
import { Database } from '../../src/storage/database.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { createStore } from '../../src/storage/store.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';
import { seed } from '../e2e/helpers.js';

const AS_OF = '2026-11-27';
const WEEKS = { unit: 'week', count: 13 } as const;

/** Comparable: probabilities as their exact decimals. */
function plain(b: PaymentBehaviour) {
  return { ...b, customerDelay: [...b.customerDelay].sort(), curve: b.curve.bands.map((x) => [x.maxDays, x.probability.toFixed()]) };
}

describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeAll(async () => {
    ({ scratch, db } = await migratedBook(engine));
    await loadBook(db, generateBook({ invoices: 1200, seed: 5, user: 'tester' }));
    await db.close();
    await seed(scratch.dbArg, ['init']);
    db = await Database.open(scratch.target, { create: false });
  }, 180_000);

  afterAll(async () => {
    await db?.close();
    await scratch?.drop();
  });

  beforeEach(async () => {
    await db.knex('forecast_learning').delete();
  });

  function read<T>(work: (store: Store) => Promise<T>): Promise<T> {
    return db.transaction((q) => work(createStore(q, { user: 'tester', command: 'test', now: '2026-11-27T00:00:00.000Z' })));
  }
  const saved = async () => ((await db.knex('forecast_learning').select('as_of', 'allocations_through', 'method', 'learned')) as Record<string, unknown>[])
    .map((r) => ({ as_of: r.as_of instanceof Date ? r.as_of.toISOString().slice(0, 10) : String(r.as_of), allocations_through: Number(r.allocations_through), method: String(r.method), learned: String(r.learned) }));
  const lastAllocation = async () => Number(((await db.knex('allocations').max('id as id').first()) as { id: unknown }).id);
  /** Sets the saved learning's company delay: a reused learning then shows it. */
  async function markSaved(delay: number): Promise<void> {
    const [row] = await saved();
    await db.knex('forecast_learning').update({ learned: JSON.stringify({ ...JSON.parse(String(row!.learned)), companyDelay: delay }) });
  }

  it('a forecast keeps what it learned, keyed by the latest allocation; the next one reuses it and is the same', async () => {
    const first = await read((store) => cashForecast(store, AS_OF, WEEKS));
    expect(await saved()).toEqual([expect.objectContaining({ as_of: AS_OF, allocations_through: await lastAllocation(), method: expect.stringMatching(new RegExp(`^forecast-learning-\\d+/${MIGRATIONS.at(-1)!.name}$`)) })]);
    const second = await read((store) => cashForecast(store, AS_OF, WEEKS));
    expect({ ...second, behaviour: plain(second.behaviour) }).toEqual({ ...first, behaviour: plain(first.behaviour) });
    expect(plain(second.behaviour)).toEqual(plain(await read((store) => learnAsOf(store, AS_OF))));
    expect(first.behaviour.sample).toBeGreaterThan(0);
  });

  it('what is kept is what is reused, while no allocation was made since', async () => {
    await read((store) => learnAsOf(store, AS_OF, { reuse: true }));
    await markSaved(99);
    expect((await read((store) => learnAsOf(store, AS_OF, { reuse: true }))).companyDelay).toBe(99);
  });

  it('a learning kept by another method (an older owed) is learned again, and replaced', async () => {
    await read((store) => learnAsOf(store, AS_OF, { reuse: true }));
    await markSaved(99);
    await db.knex('forecast_learning').update({ method: 'forecast-learning-0/0010_forecast_learning' });
    expect((await read((store) => learnAsOf(store, AS_OF, { reuse: true }))).companyDelay).not.toBe(99);
    expect((await saved())[0]!.method).not.toMatch(/^forecast-learning-0\//);
  });

  it('another date learns again and keeps only its own', async () => {
    await read((store) => learnAsOf(store, AS_OF, { reuse: true }));
    await markSaved(99);
    const before = '2026-06-30';
    expect((await read((store) => learnAsOf(store, before, { reuse: true }))).companyDelay).not.toBe(99);
    expect((await saved()).map((r) => r.as_of)).toEqual([before]);
  });

  it('a new allocation (a write-off closing an open invoice) makes it learn again, to what it learns from scratch', async () => {
    await read((store) => learnAsOf(store, AS_OF, { reuse: true }));
    await markSaved(99);
    const open = (await db.knex('invoice_balances as b').join('invoices as i', 'i.id', 'b.invoice_id')
      .where('b.settled_from', '9999-12-31').andWhere('b.due_date', '<', '2026-06-01').whereRaw('b.applied = 0')
      .orderBy('b.invoice_id').first('i.number', 'b.total')) as { number: string; total: unknown };
    await seed(scratch.dbArg, ['--today', AS_OF, 'invoice', 'write-off', open.number, '--amount', (Number(open.total) / 100).toFixed(2), '--reason', 'uncollectable', '--date', AS_OF]);
    const relearned = await read((store) => learnAsOf(store, AS_OF, { reuse: true }));
    expect(relearned.companyDelay).not.toBe(99);
    expect(plain(relearned)).toEqual(plain(await read((store) => learnAsOf(store, AS_OF))));
    expect((await saved())[0]!.allocations_through).toBe(await lastAllocation());
  });

  it('in a transaction that may only read, the forecast is made and nothing is kept', async () => {
    const expected = await read((store) => cashForecast(store, AS_OF, WEEKS));
    await db.knex('forecast_learning').delete();
    const readOnly = await db.transaction(
      (q) => cashForecast(createStore(q, { user: 'tester', command: 'test', now: '2026-11-27T00:00:00.000Z' }), AS_OF, WEEKS),
      { readOnly: true },
    );
    expect(readOnly.periods).toEqual(expected.periods);
    expect(await saved()).toEqual([]);
  });
});
