import type { Actor } from '../actor.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { defaultSettings, settingDefinition } from './registry.js';

export interface SettingChange {
  readonly key: string;
  readonly from: string;
  readonly to: string;
}

export async function setSetting(store: Store, actor: Actor, key: string, value: string): Promise<SettingChange> {
  requirePermission(actor.user, actor.role, 'settings', 'change settings');
  const definition = settingDefinition(key);
  const to = definition.normalise(value);
  const stored = await store.settings.all();
  const from = stored.get(key) ?? defaultSettings().get(key)!;
  if (from !== to) {
    await store.settings.set(key, to);
    await store.audit.record({ entity: 'setting', key, action: 'set', detail: { from, to } });
  }
  return { key, from, to };
}
