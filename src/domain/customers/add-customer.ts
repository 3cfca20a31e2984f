import type { Actor } from '../actor.js';
import { RefusedError } from '../errors.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import type { Customer } from './customer.js';
import { applyCustomerInput, defaultLanguage, newCustomerDefaults, validateCustomerCode, type CustomerInput } from './customer-input.js';

export async function addCustomer(store: Store, actor: Actor, code: string, input: CustomerInput): Promise<Customer> {
  requirePermission(actor.user, actor.role, 'master-data', 'add customers');
  const settings = await loadSettings(store);
  const problems = new Problems();
  const normalisedCode = validateCustomerCode(code, problems);
  if (input.name === undefined) problems.add('name', undefined, 'is required');
  const fields = applyCustomerInput(newCustomerDefaults(settings), input, settings, problems);
  problems.throwIfAny();

  if (await store.customers.find(normalisedCode)) {
    throw new RefusedError(
      `customer ${normalisedCode} already exists`,
      `change it with: owed customer edit ${normalisedCode} …`,
    );
  }
  const customer: Customer = {
    ...fields,
    language: input.language !== undefined ? fields.language : defaultLanguage(fields.name),
    code: normalisedCode,
    createdAt: actor.now,
    updatedAt: actor.now,
  };
  await store.customers.insert(customer);
  await store.audit.record({ entity: 'customer', key: customer.code, action: 'add', detail: { name: customer.name } });
  return customer;
}
