import type { Knex } from 'knex';
import type { Customer, CustomerLanguage } from '../../domain/customers/customer.js';
import { money } from '../../domain/money/index.js';
import type { CustomerFilter, CustomerRepository } from '../../domain/store.js';
import { readBoolean, readNullableInteger } from './rows.js';
import { rawRows } from './raw.js';

export interface CustomerRow {
  code: string;
  name: string;
  email: string | null;
  phone: string | null;
  tax_id: string | null;
  currency: string;
  terms: string;
  credit_limit: unknown;
  segment: string | null;
  birthday: string | null;
  address: string | null;
  language: string;
  on_hold: unknown;
  created_at: string;
  updated_at: string;
}

const COLUMNS = [
  'code', 'name', 'email', 'phone', 'tax_id', 'currency', 'terms', 'credit_limit', 'segment',
  'birthday', 'address', 'language', 'on_hold', 'created_at', 'updated_at',
];

export function customerFromRow(row: CustomerRow): Customer {
  const limit = readNullableInteger(row.credit_limit);
  return {
    code: row.code,
    name: row.name,
    email: row.email,
    phone: row.phone,
    taxId: row.tax_id,
    currency: row.currency,
    terms: row.terms,
    creditLimit: limit === null ? null : money(limit, row.currency),
    segment: row.segment,
    birthday: row.birthday,
    address: row.address,
    language: row.language as CustomerLanguage,
    onHold: readBoolean(row.on_hold),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function customerToRow(c: Customer): Record<string, unknown> {
  return {
    code: c.code,
    name: c.name,
    email: c.email,
    phone: c.phone,
    tax_id: c.taxId,
    currency: c.currency,
    terms: c.terms,
    credit_limit: c.creditLimit === null ? null : c.creditLimit.minor,
    segment: c.segment,
    birthday: c.birthday,
    address: c.address,
    language: c.language,
    on_hold: c.onHold,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function customerRepository(q: Knex): CustomerRepository {
  return {
    async find(code) {
      const row: CustomerRow | undefined = await q('customers').select(COLUMNS).where({ code }).first();
      return row ? customerFromRow(row) : undefined;
    },
    async list(filter: CustomerFilter) {
      const query = q('customers').select(COLUMNS).orderBy('code');
      if (filter.segment !== undefined) query.where({ segment: filter.segment });
      const rows: CustomerRow[] = await query;
      return rows.map(customerFromRow);
    },
    async insert(customer) {
      await q('customers').insert(customerToRow(customer));
    },
    async update(customer) {
      const { code, created_at: _created, ...fields } = customerToRow(customer);
      await q('customers').where({ code }).update(fields);
    },
    async hasDocuments(code) {
      const [row] = await rawRows<{ named: unknown }>(q, `
        select exists (select 1 from orders where customer_id = c.id)
            or exists (select 1 from invoices where customer_id = c.id)
            or exists (select 1 from receipts where customer_id = c.id) as named
        from customers c where c.code = ?`, [code]);
      return row !== undefined && readBoolean(row.named);
    },
  };
}
