import { emitListing, writeResult } from '../cli/output.js';
import { renderJson, renderTable, type Listing } from '../cli/render/index.js';
import type { Runtime } from '../cli/runtime.js';
import { formatMoney } from '../domain/money/index.js';
import type { Statement } from '../domain/receivables/statement.js';

const KIND_LABEL: Record<string, string> = {
  invoice: 'invoice',
  credit_note: 'credit note',
  receipt: 'receipt',
  receipt_reversal: 'receipt reversed',
  write_off: 'write-off',
  adjustment: 'discount / fee',
};

const COLUMNS: Listing['columns'] = [
  { key: 'date', header: 'Date', kind: 'date' },
  { key: 'document', header: 'Document' },
  { key: 'kind', header: 'Kind' },
  { key: 'amount', header: 'Amount', kind: 'money' },
  { key: 'balance', header: 'Balance', kind: 'money' },
];

export function emitStatement(rt: Runtime, s: Statement): void {
  const rows = s.lines.map((l) => ({ date: l.date, document: l.document, kind: KIND_LABEL[l.kind] ?? l.kind, amount: l.amount, balance: l.balance }));
  if (rt.format === 'json') {
    const aging: Record<string, unknown> = { as_of: s.aging.asOf, buckets: s.aging.buckets };
    s.aging.buckets.forEach((b, i) => (aging[b] = s.aging.amounts[i]));
    aging.unapplied = s.aging.unapplied;
    aging.total = s.aging.total;
    writeResult(rt, renderJson({
      customer: s.customer,
      name: s.name,
      currency: s.currency,
      from: s.from,
      to: s.to,
      opening_balance: s.openingBalance,
      lines: rows.map((r, i) => ({ ...r, kind: s.lines[i]!.kind })),
      closing_balance: s.closingBalance,
      aging,
    }));
    return;
  }
  if (rt.format === 'csv') {
    emitListing(rt, {
      columns: COLUMNS,
      rows: [
        { date: s.from, document: '', kind: 'opening balance', amount: null, balance: s.openingBalance },
        ...rows,
        { date: s.to, document: '', kind: 'closing balance', amount: null, balance: s.closingBalance },
      ],
    });
    return;
  }
  const m = formatMoney;
  const agingListing: Listing = {
    columns: [...s.aging.buckets, 'unapplied', 'total'].map((b) => ({ key: b, header: b, kind: 'money' as const })),
    rows: [Object.fromEntries([
      ...s.aging.buckets.map((b, i) => [b, s.aging.amounts[i]!] as const),
      ['unapplied', s.aging.unapplied] as const,
      ['total', s.aging.total] as const,
    ])],
  };
  writeResult(rt, [
    `Statement of account — ${s.customer} ${s.name}`,
    `${s.from} to ${s.to}, in ${s.currency}`,
    '',
    `Opening balance ${m(s.openingBalance)}`,
    renderTable({ columns: COLUMNS, rows }, { color: rt.color }).trimEnd(),
    `Closing balance ${m(s.closingBalance)} ${s.currency}`,
    '',
    `Aging as of ${s.aging.asOf} (days past due)`,
    renderTable(agingListing, { color: rt.color }),
  ].join('\n'));
}
