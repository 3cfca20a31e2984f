import type { Store } from '../store.js';
import { companySettings, type CompanySettings } from './company-settings.js';

export async function loadSettings(store: Store): Promise<CompanySettings> {
  return companySettings(await store.settings.all());
}
