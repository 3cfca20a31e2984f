import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { addCustomer } from '../../src/domain/customers/add-customer.js';
import { initialiseBook } from '../../src/domain/initialise.js';
import { recordReceipt } from '../../src/domain/receivables/record-receipt.js';
import type { Store } from '../../src/domain/store.js';
import type { Database } from '../../src/storage/database.js';
import { createStore } from '../../src/storage/store.js';
import { testEngines, type ScratchDatabase } from '../support/engines.js';
import { migratedBook } from '../support/migrated-book.js';

const TODAY = '2026-11-27';
const NOW = '2026-11-27T10:00:00.000Z';

// The reminders' "bank statements are late" check reads the latest receipt date of the book: each
// customer's latest, and the unidentified cash's, one seek each.
describe.each(testEngines())('%s', (engine) => {
  let scratch: ScratchDatabase;
  let db: Database;

  beforeEach(async () => {
    ({ scratch, db } = await migratedBook(engine));
    await run((store, actor) => initialiseBook(store, actor), 'init');
    await run(async (store, actor) => {
      for (const code of ['A', 'B', 'C']) await addCustomer(store, actor, code, { name: code });
    }, 'customer add');
  });

  afterEach(async () => {
    await db.close();
    await scratch.drop();
  });

  function run<T>(work: (store: Store, actor: Actor) => Promise<T>, command: string): Promise<T> {
    return db.transaction((q) => work(createStore(q, { user: 'alice', command, now: NOW }), { user: 'alice', role: 'admin', today: TODAY, now: NOW }));
  }

  const latest = () => run((store) => store.reminders.latestReceiptDate(), 'remind run');
  const receive = (customer: string | undefined, date: string, reference: string) =>
    run((store, actor) => recordReceipt(store, actor, { ...(customer ? { customer } : {}), amount: '10.00', date, reference }), 'receive');

  it('is none in a book without receipts, then the latest date over every customer and the unidentified cash', async () => {
    expect(await latest()).toBeNull();
    await receive('A', '2026-03-01', 'R1');
    await receive('B', '2026-05-17', 'R2');
    await receive('A', '2026-04-30', 'R3');
    expect(await latest()).toBe('2026-05-17');
    await receive(undefined, '2026-06-02', 'R4');
    expect(await latest()).toBe('2026-06-02');
    await receive('C', '2026-06-03', 'R5');
    expect(await latest()).toBe('2026-06-03');
  });
});
