import type { Actor } from '../actor.js';
import { NotFoundError, RefusedError } from '../errors.js';
import { equals, toDecimalString } from '../money/index.js';
import { loadSettings } from '../settings/load-settings.js';
import type { Store } from '../store.js';
import { requirePermission } from '../users/roles.js';
import { Problems } from '../validation.js';
import type { Customer, CustomerFields } from './customer.js';
import { applyCustomerInput, type CustomerInput } from './customer-input.js';

export interface CustomerEdit {
  readonly customer: Customer;
  /** Field names whose value changed; empty when the edit changed nothing. */
  readonly changed: readonly string[];
}

export async function editCustomer(store: Store, actor: Actor, code: string, input: CustomerInput): Promise<CustomerEdit> {
  requirePermission(actor.user, actor.role, 'master-data', 'edit customers');
  const existing = await store.customers.find(code.trim());
  if (!existing) throw new NotFoundError('customer', code, 'list customers with: owed customer list');
  const settings = await loadSettings(store);
  const problems = new Problems();
  const fields = applyCustomerInput(existing, input, settings, problems);
  problems.throwIfAny();

  if (fields.currency !== existing.currency) {
    if (await store.customers.hasDocuments(existing.code)) {
      throw new RefusedError(
        `customer ${existing.code} has orders, invoices or receipts in ${existing.currency}; its currency cannot change`,
        `open a new customer code for business in ${fields.currency}`,
      );
    }
  }
  const changedKeys = changedFields(existing, fields);
  const changed = changedKeys.map((k) => FIELD_NAMES[k] ?? k);
  if (changed.length === 0) return { customer: existing, changed };
  const customer: Customer = { ...existing, ...fields, updatedAt: actor.now };
  await store.customers.update(customer);
  const detail: Record<string, unknown> = {};
  for (const key of changedKeys) {
    detail[FIELD_NAMES[key] ?? key] = { from: describe(existing[key]), to: describe(fields[key]) };
  }
  await store.audit.record({ entity: 'customer', key: customer.code, action: 'edit', detail });
  return { customer, changed };
}

/** The names users see (CLI options, CSV and JSON keys), not the code's. */
const FIELD_NAMES: Record<string, string> = { taxId: 'tax_id', creditLimit: 'credit_limit', onHold: 'on_hold' };

function changedFields(before: CustomerFields, after: CustomerFields): (keyof CustomerFields)[] {
  return (Object.keys(after) as (keyof CustomerFields)[]).filter((key) => {
    const a = before[key];
    const b = after[key];
    if (key === 'creditLimit') {
      const x = a as Customer['creditLimit'];
      const y = b as Customer['creditLimit'];
      return x === null || y === null ? x !== y : x.currency !== y.currency || !equals(x, y);
    }
    return a !== b;
  });
}

function describe(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'minor' in value) {
    const m = value as { minor: number; currency: string };
    return `${toDecimalString(m)} ${m.currency}`;
  }
  return value;
}
