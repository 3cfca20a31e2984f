import Big from 'big.js';
import type { Command } from 'commander';
import { action, type Io } from '../cli/action.js';
import { readBook } from '../cli/book.js';
import { choiceOption, dateOption } from '../cli/options.js';
import { emitListing, writeResult } from '../cli/output.js';
import { render, renderJson, type Cell, type Listing } from '../cli/render/index.js';
import { agingByInvoice, agingReport, type AgingReport, type AgingRow } from '../domain/receivables/aging.js';
import type { AgingBasis } from '../domain/store.js';
import { formatMoney } from '../domain/money/index.js';

function rowCells(report: AgingReport, r: AgingRow, label?: string): Record<string, Cell> {
  const cells: Record<string, Cell> = {
    customer: label ?? r.customer ?? '(unidentified)',
    name: label ? '' : r.name ?? 'cash not yet attached to a customer',
    currency: r.currency,
  };
  report.labels.forEach((l, i) => (cells[l] = r.buckets[i]!));
  cells.unapplied = r.unapplied;
  cells.total = r.total;
  if (r.provisionTotal) cells.provision = r.provisionTotal;
  return cells;
}

function share(part: number, whole: number): string {
  if (whole === 0) return '0.0%';
  return `${new Big(part).times(100).div(whole).round(1, Big.roundHalfUp).toFixed(1)}%`;
}

export function agingListing(report: AgingReport): Listing {
  const columns: Listing['columns'] = [
    { key: 'customer', header: 'Customer' },
    { key: 'name', header: 'Name' },
    { key: 'currency', header: 'Cur' },
    ...report.labels.map((l) => ({ key: l, header: l, kind: 'money' as const })),
    { key: 'unapplied', header: 'Unapplied', kind: 'money' },
    { key: 'total', header: 'Total', kind: 'money' },
    ...(report.provisionRates ? [{ key: 'provision', header: 'Provision', kind: 'money' as const }] : []),
  ];
  const footer: string[] = [];
  for (const t of report.totals) {
    const open = t.buckets.reduce((s, b) => s + b.minor, 0);
    footer.push(`${t.currency} share of open invoices: ${report.labels.map((l, i) => `${l} ${share(t.buckets[i]!.minor, open)}`).join('  ')}`);
    if (t.provision && t.provisionTotal && report.provisionRates) {
      const parts = report.labels.map((l, i) => `${l} ${report.provisionRates![i]}% ${formatMoney(t.provision![i]!)}`);
      footer.push(`${t.currency} allowance for doubtful accounts (坏账准备): ${parts.join('  ')}  = ${formatMoney(t.provisionTotal)}`);
    }
  }
  return {
    title: `Aging as of ${report.asOf} (by ${report.basis === 'due' ? 'days past due' : 'days since invoice'})`,
    columns,
    rows: [...report.rows.map((r) => rowCells(report, r)), ...report.totals.map((t) => rowCells(report, t, 'TOTAL'))],
    footer,
  };
}

function agingJson(report: AgingReport): unknown {
  const shape = (r: AgingRow, withCustomer: boolean) => {
    const o: Record<string, unknown> = withCustomer ? { customer: r.customer, name: r.name, currency: r.currency } : { currency: r.currency };
    report.labels.forEach((l, i) => (o[l] = r.buckets[i]));
    o.unapplied = r.unapplied;
    o.total = r.total;
    if (r.provision) {
      const p: Record<string, unknown> = {};
      report.labels.forEach((l, i) => (p[l] = r.provision![i]));
      p.total = r.provisionTotal;
      o.provision = p;
    }
    return o;
  };
  return {
    as_of: report.asOf,
    basis: report.basis,
    buckets: report.labels,
    ...(report.provisionRates ? { provision_rates: Object.fromEntries(report.labels.map((l, i) => [l, report.provisionRates![i]])) } : {}),
    rows: report.rows.map((r) => shape(r, true)),
    totals: report.totals.map((t) => shape(t, false)),
  };
}

export function registerAging(program: Command, io: Io): void {
  program
    .command('aging')
    .description('what is owed, by age, as of any date (应收账款账龄)')
    .option('--as-of <YYYY-MM-DD>', 'the date to age as of: documents dated later are left out (default: today)', dateOption)
    .option('--by <what>', 'customer (default) or invoice', choiceOption(['customer', 'invoice'] as const), 'customer')
    .option('--basis <basis>', 'due (days past due, default) or invoice (days since issue)', choiceOption(['due', 'invoice'] as const), 'due')
    .option('--buckets <days>', 'bucket bounds in days (default: the aging.buckets setting), e.g. 30,60,90,120')
    .option('--customer <code>', 'only this customer')
    .option('--provision', 'add the allowance for doubtful accounts (坏账准备) from provision.rates')
    .addHelpText('after', `
The report checks itself: buckets + unapplied must equal the sum of all documents dated on or
before the date; a mismatch is reported as a bug (exit 1), never printed.
Examples:
  $ owed aging
  $ owed aging --as-of 2026-12-31 --provision
  $ owed aging --by invoice --customer C001 --json`)
    .action(action<{ asOf?: string; by: 'customer' | 'invoice'; basis: AgingBasis; buckets?: string; customer?: string; provision?: boolean }>(io, async (rt, _args, o) => {
      const options = {
        asOf: o.asOf ?? rt.today,
        basis: o.basis,
        ...(o.buckets !== undefined ? { buckets: o.buckets } : {}),
        ...(o.customer !== undefined ? { customer: o.customer } : {}),
        ...(o.provision ? { provision: true } : {}),
      };
      if (o.by === 'invoice') {
        const result = await readBook(rt, (store) => agingByInvoice(store, options));
        emitListing(rt, {
          title: `Open invoices as of ${result.asOf}`,
          columns: [
            { key: 'invoice', header: 'Invoice' },
            { key: 'customer', header: 'Customer' },
            { key: 'name', header: 'Name' },
            { key: 'currency', header: 'Cur' },
            { key: 'issue_date', header: 'Issued', kind: 'date' },
            { key: 'due_date', header: 'Due', kind: 'date' },
            { key: 'days_overdue', header: 'Days over', kind: 'integer' },
            { key: 'bucket', header: 'Bucket' },
            { key: 'open', header: 'Open', kind: 'money' },
          ],
          rows: result.invoices.map((i) => ({
            invoice: i.invoice, customer: i.customer, name: i.name, currency: i.currency, issue_date: i.issueDate,
            due_date: i.dueDate, days_overdue: i.daysOverdue, bucket: i.bucket, open: i.open,
          })),
        });
        return;
      }
      const report = await readBook(rt, (store) => agingReport(store, options));
      if (rt.format === 'json') writeResult(rt, renderJson(agingJson(report)));
      else writeResult(rt, render(agingListing(report), rt.format, { color: rt.color }));
    }));
}
