import type { Customer, CustomerFields } from '../../customers/customer.js';
import { applyCustomerInput, defaultLanguage, newCustomerDefaults, validateCustomerCode } from '../../customers/customer-input.js';
import { Problems } from '../../validation.js';
import { BatchFindings, duplicateKey, type EntityImporter } from '../importer.js';

const COLUMNS = ['code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment', 'birthday', 'address'];

function same(a: CustomerFields, b: CustomerFields): boolean {
  return a.name === b.name && a.email === b.email && a.phone === b.phone && a.taxId === b.taxId && a.currency === b.currency
    && a.terms === b.terms && (a.creditLimit?.minor ?? null) === (b.creditLimit?.minor ?? null) && a.segment === b.segment
    && a.birthday === b.birthday && a.address === b.address;
}

export const customerImporter: EntityImporter<Customer> = {
  entity: 'customers',
  columns: COLUMNS,
  required: ['code', 'name'],
  prepare(row, ctx) {
    const problems = new Problems(row.line);
    const f = (k: string) => row.fields.get(k);
    const code = validateCustomerCode(f('code') ?? '', problems);
    const input = {
      name: f('name') ?? '',
      ...(f('email') !== undefined ? { email: f('email')! } : {}),
      ...(f('phone') !== undefined ? { phone: f('phone')! } : {}),
      ...(f('tax_id') !== undefined ? { taxId: f('tax_id')! } : {}),
      ...(f('currency') ? { currency: f('currency')! } : {}),
      ...(f('terms') ? { terms: f('terms')! } : {}),
      ...(f('credit_limit') !== undefined ? { creditLimit: f('credit_limit')! } : {}),
      ...(f('segment') !== undefined ? { segment: f('segment')! } : {}),
      ...(f('birthday') !== undefined ? { birthday: f('birthday')! } : {}),
      ...(f('address') !== undefined ? { address: f('address')! } : {}),
    };
    const fields = applyCustomerInput(newCustomerDefaults(ctx.settings), input, ctx.settings, problems);
    if (problems.any) return [...problems.all()];
    const now = ctx.actor.now;
    return { key: code, record: { ...fields, language: defaultLanguage(fields.name), code, createdAt: now, updatedAt: now } };
  },
  async commit(batch, ctx) {
    const existing = await ctx.store.imports.customersByCode(batch.map((b) => b.key));
    const found = new BatchFindings();
    const fresh: Customer[] = [];
    const rows: (typeof batch)[number]['row'][] = [];
    for (const b of batch) {
      const old = existing.get(b.key);
      if (old) {
        const earlier = ctx.claim(old.id, b.row);
        if (earlier !== undefined) {
          found.problem(b.row, duplicateKey(customerImporter, b.row.line, b.key, earlier));
        } else if (same(old, b.record)) {
          found.present++;
        } else if (ctx.update) {
          await ctx.store.customers.update({ ...old, ...b.record, language: old.language, onHold: old.onHold, createdAt: old.createdAt, updatedAt: ctx.actor.now });
          await ctx.store.audit.record({ entity: 'customer', key: b.key, action: 'import-update' });
          found.updated++;
        } else {
          found.conflict(b.row, `customer ${b.key} already exists with different details`);
        }
        continue;
      }
      fresh.push(b.record);
      rows.push(b.row);
    }
    if (fresh.length > 0) {
      const ids = await ctx.store.imports.insertCustomers(fresh);
      ids.forEach((id, i) => ctx.claim(id, rows[i]!));
      found.created += fresh.length;
      await ctx.store.audit.record({ entity: 'customer', key: `${fresh[0]!.code}…${fresh[fresh.length - 1]!.code}`, action: 'import', detail: { created: fresh.length } });
    }
    return found;
  },
};
