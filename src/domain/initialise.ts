import type { Actor } from './actor.js';
import { defaultSettings } from './settings/registry.js';
import type { Store } from './store.js';

export interface InitialiseResult {
  readonly settingsSeeded: readonly string[];
  /** The user made admin, when the book had no users yet. */
  readonly adminCreated: string | null;
}

/**
 * Seeds what a new book needs. Safe to run again: settings a user changed are kept, and only a
 * book without users gets its first admin, so re-running init never grants anyone anything.
 */
export async function initialiseBook(store: Store, actor: Actor): Promise<InitialiseResult> {
  const stored = await store.settings.all();
  const seeded: string[] = [];
  for (const [key, value] of defaultSettings()) {
    if (!stored.has(key)) {
      await store.settings.set(key, value);
      seeded.push(key);
    }
  }
  let adminCreated: string | null = null;
  if ((await store.users.list()).length === 0) {
    await store.users.insert({ name: actor.user, role: 'admin', createdAt: actor.now });
    adminCreated = actor.user;
  }
  if (seeded.length > 0 || adminCreated !== null) {
    await store.audit.record({ entity: 'book', key: 'init', action: 'init', detail: { settings: seeded, admin: adminCreated } });
  }
  return { settingsSeeded: seeded, adminCreated };
}
