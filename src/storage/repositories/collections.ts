import type { Knex } from 'knex';
import type { AlertLevel, AlertState, ReminderRecord, StoredAlert } from '../../domain/collections/records.js';
import { NotFoundError } from '../../domain/errors.js';
import type { AlertRepository, DisputeRepository, ReminderRepository } from '../../domain/store.js';
import { isPostgres, rawRows } from './raw.js';
import { readInteger } from './rows.js';

function alertFromRow(r: Record<string, unknown>): StoredAlert {
  const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    key: String(r.key),
    rule: String(r.rule),
    subject: String(r.subject),
    level: r.level as AlertLevel,
    state: r.state as AlertState,
    message: String(r.message),
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
    changedOn: String(r.changed_on),
    resolvedOn: s(r.resolved_on),
    acknowledgedAt: s(r.acknowledged_at),
    acknowledgedBy: s(r.acknowledged_by),
    ackNote: s(r.ack_note),
    notifiedLevel: s(r.notified_level) as AlertLevel | null,
    notifiedAt: s(r.notified_at),
  };
}

function alertRow(a: StoredAlert) {
  return {
    key: a.key,
    rule: a.rule,
    subject: a.subject,
    level: a.level,
    state: a.state,
    message: a.message,
    first_seen: a.firstSeen,
    last_seen: a.lastSeen,
    changed_on: a.changedOn,
    resolved_on: a.resolvedOn,
    acknowledged_at: a.acknowledgedAt,
    acknowledged_by: a.acknowledgedBy,
    ack_note: a.ackNote,
    notified_level: a.notifiedLevel,
    notified_at: a.notifiedAt,
  };
}

/** Column name, and whether it is a DATE (PostgreSQL reads it from JSON text with a cast). */
type Column = readonly [string, 'text' | 'date'];
const ALERT_COLUMNS: readonly Column[] = [
  ['key', 'text'], ['rule', 'text'], ['subject', 'text'], ['level', 'text'], ['state', 'text'], ['message', 'text'],
  ['first_seen', 'date'], ['last_seen', 'date'], ['changed_on', 'date'], ['resolved_on', 'date'],
  ['acknowledged_at', 'text'], ['acknowledged_by', 'text'], ['ack_note', 'text'], ['notified_level', 'text'], ['notified_at', 'text'],
];
const EVENT_COLUMNS: readonly Column[] = [['alert_key', 'text'], ['date', 'date'], ['state', 'text'], ['level', 'text'], ['message', 'text'], ['created_at', 'text']];
/** Rows per statement: one JSON text of about a megabyte. */
const ALERT_BATCH = 5000;

/**
 * Inserts (for alerts: upserts on the key) many rows in one statement per batch, the rows bound
 * as one JSON array of arrays and unpacked by the database (json_each / jsonb_array_elements).
 * A statement per row costs the query builder's work per row, and a multi-row VALUES list binds
 * thousands of parameters that knex rewrites one by one.
 */
async function insertJson(q: Knex, table: string, columns: readonly Column[], rows: readonly (readonly unknown[])[], upsertOn?: string): Promise<void> {
  if (rows.length === 0) return;
  const pg = isPostgres(q);
  const name = (c: string) => `"${c}"`;
  const values = columns.map(([, type], i) => (pg ? (type === 'date' ? `cast(r ->> ${i} as date)` : `r ->> ${i}`) : `value ->> ${i}`));
  const from = pg ? 'jsonb_array_elements(cast(? as jsonb)) r' : 'json_each(?)';
  const conflict = upsertOn === undefined
    ? ''
    : ` on conflict (${name(upsertOn)}) do update set ${columns.filter(([c]) => c !== upsertOn).map(([c]) => `${name(c)} = excluded.${name(c)}`).join(', ')}`;
  // "where true": SQLite would otherwise read ON CONFLICT as part of the SELECT.
  await q.raw(`insert into ${name(table)} (${columns.map(([c]) => name(c)).join(', ')}) select ${values.join(', ')} from ${from} where true${conflict}`, [JSON.stringify(rows)]);
}

export function alertRepository(q: Knex): AlertRepository {
  return {
    async all() {
      return (await q('alerts').orderBy('key')).map(alertFromRow);
    },
    async find(key) {
      const row = await q('alerts').where({ key }).first();
      return row ? alertFromRow(row) : undefined;
    },
    async save(a, at) {
      const previous = await q('alerts').select('state', 'level', 'message').where({ key: a.key }).first();
      const row = alertRow(a);
      if (previous) await q('alerts').where({ key: a.key }).update(row);
      else await q('alerts').insert(row);
      if (!previous || previous.state !== a.state || previous.level !== a.level) {
        await q('alert_events').insert({ alert_key: a.key, date: a.changedOn, state: a.state, level: a.level, message: a.message, created_at: at });
      }
    },
    async saveAll(alerts, previous, at) {
      // A night can change thousands of alerts (one per overdue invoice): upserts and events in
      // batches, not three statements per alert.
      for (let i = 0; i < alerts.length; i += ALERT_BATCH) {
        const batch = alerts.slice(i, i + ALERT_BATCH);
        await insertJson(q, 'alerts', ALERT_COLUMNS, batch.map((a) => {
          const row: Record<string, unknown> = alertRow(a);
          return ALERT_COLUMNS.map(([c]) => row[c] ?? null);
        }), 'key');
        const events = batch
          .filter((a) => {
            const before = previous.get(a.key);
            return before === undefined || before.state !== a.state || before.level !== a.level;
          })
          .map((a) => [a.key, a.changedOn, a.state, a.level, a.message, at]);
        await insertJson(q, 'alert_events', EVENT_COLUMNS, events);
      }
    },
    async history(key) {
      const rows: Record<string, unknown>[] = await q('alert_events').where({ alert_key: key }).orderBy('id');
      return rows.map((r) => ({ date: String(r.date), state: String(r.state), level: String(r.level), message: String(r.message) }));
    },
  };
}

export function reminderRepository(q: Knex): ReminderRepository {
  return {
    async sentLevels(customer) {
      const query = q('reminders as m').join('invoices as i', 'i.id', 'm.invoice_id').select('i.number', 'm.level');
      if (customer !== undefined) query.join('customers as c', 'c.id', 'm.customer_id').where('c.code', customer);
      const rows: { number: string; level: string }[] = await query;
      const sent = new Map<string, Set<string>>();
      for (const r of rows) {
        const set = sent.get(r.number) ?? new Set<string>();
        set.add(r.level);
        sent.set(r.number, set);
      }
      return sent;
    },
    async record(m: ReminderRecord) {
      const invoice = await q('invoices').select('id').where({ number: m.invoice }).first();
      if (!invoice) throw new NotFoundError('invoice', m.invoice);
      const customer = await q('customers').select('id').where({ code: m.customer }).first();
      if (!customer) throw new NotFoundError('customer', m.customer);
      await q('reminders').insert({
        invoice_id: invoice.id,
        level: m.level,
        level_days: m.levelDays,
        customer_id: customer.id,
        sent_on: m.sentOn,
        sent_at: m.sentAt,
        channel: m.channel,
        message_id: m.messageId,
        recipient: m.recipient,
      });
    },
    async history(filter) {
      const query = q('reminders as m')
        .join('invoices as i', 'i.id', 'm.invoice_id')
        .join('customers as c', 'c.id', 'm.customer_id')
        .select('i.number as invoice', 'm.level', 'm.level_days', 'c.code as customer', 'm.sent_on', 'm.sent_at', 'm.channel', 'm.message_id', 'm.recipient')
        .orderBy('m.id', 'desc');
      if (filter.customer !== undefined) query.where('c.code', filter.customer);
      if (filter.invoice !== undefined) query.where('i.number', filter.invoice);
      if (filter.limit !== undefined) query.limit(filter.limit);
      const rows: Record<string, unknown>[] = await query;
      return rows.map((r): ReminderRecord => ({
        invoice: String(r.invoice),
        level: String(r.level),
        levelDays: readInteger(r.level_days),
        customer: String(r.customer),
        sentOn: String(r.sent_on),
        sentAt: String(r.sent_at),
        channel: r.channel as ReminderRecord['channel'],
        messageId: (r.message_id as string | null) ?? null,
        recipient: String(r.recipient),
      }));
    },
    async latestReceiptDate() {
      // Each customer's latest receipt is one seek in the index by customer and date, and so is
      // the unidentified cash's; max() over the table read the whole index (1M invoices: 870k
      // entries, 87 ms warm and 300 ms cold against 25 and 120).
      const [row] = await rawRows<{ latest: unknown }>(q, `select max(x.latest) as latest
        from (select (select max(r.receipt_date) from receipts r where r.customer_id = c.id) as latest from customers c
              union all
              select max(receipt_date) from receipts where customer_id is null) x`);
      return row?.latest ? String(row.latest) : null;
    },
  };
}

export function disputeRepository(q: Knex): DisputeRepository {
  async function invoiceId(number: string): Promise<number> {
    const row = await q('invoices').select('id').where({ number }).first();
    if (!row) throw new NotFoundError('invoice', number, 'list invoices with: owed invoice list');
    return readInteger(row.id);
  }
  return {
    async open(invoice, date, reason, at, by) {
      await q('invoice_disputes').insert({ invoice_id: await invoiceId(invoice), date, action: 'open', reason, created_at: at, created_by: by });
    },
    async close(invoice, date, reason, at, by) {
      await q('invoice_disputes').insert({ invoice_id: await invoiceId(invoice), date, action: 'close', reason, created_at: at, created_by: by });
    },
    async disputed(asOf) {
      const rows: { number: string; action: string }[] = await q('invoice_disputes as d')
        .join('invoices as i', 'i.id', 'd.invoice_id')
        .select('i.number', 'd.action')
        .where('d.date', '<=', asOf)
        .orderBy('d.id');
      const state = new Map<string, string>();
      for (const r of rows) state.set(r.number, r.action);
      return new Set([...state].filter(([, action]) => action === 'open').map(([n]) => n));
    },
  };
}
