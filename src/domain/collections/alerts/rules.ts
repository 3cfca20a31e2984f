import Big from 'big.js';
import type { IsoDate } from '../../dates.js';
import { formatMoney, money, parseMoney } from '../../money/index.js';
import { uninvoicedGross } from '../../sales/credit-check.js';
import { defaultSettings } from '../../settings/registry.js';
import type { Store } from '../../store.js';
import { daysSince } from '../days.js';
import { cashForecast } from '../forecast/forecast.js';
import type { AlertLevel } from '../records.js';

export interface Finding {
  readonly rule: string;
  readonly subject: string;
  readonly level: AlertLevel;
  readonly message: string;
}

export interface AlertThresholds {
  readonly invoiceWarnDays: number;
  readonly invoiceCriticalDays: number;
  readonly exposureWarn: Big;
  readonly exposureCritical: Big;
  readonly overdueShare: Big;
  readonly dsoDays: number;
  readonly badDebt: Big;
  readonly concentration: Big;
  /** Major units of the base currency; 0: the rule is off. */
  readonly forecastFloor: string;
  readonly baseCurrency: string;
}

export function alertThresholds(stored: ReadonlyMap<string, string>): AlertThresholds {
  const d = defaultSettings();
  const get = (k: string) => stored.get(k) ?? d.get(k)!;
  return {
    invoiceWarnDays: Number(get('alerts.invoice_overdue_warn_days')),
    invoiceCriticalDays: Number(get('alerts.invoice_overdue_critical_days')),
    exposureWarn: new Big(get('alerts.exposure_warn_percent')),
    exposureCritical: new Big(get('alerts.exposure_critical_percent')),
    overdueShare: new Big(get('alerts.overdue_share_percent')),
    dsoDays: Number(get('alerts.dso_days')),
    badDebt: new Big(get('alerts.bad_debt_percent')),
    concentration: new Big(get('alerts.concentration_percent')),
    forecastFloor: get('alerts.forecast_floor'),
    baseCurrency: get('currency.base'),
  };
}

export interface RuleDescription {
  readonly rule: string;
  readonly subject: string;
  readonly warn: string;
  readonly critical: string;
  readonly settings: string;
}

export function describeRules(t: AlertThresholds): RuleDescription[] {
  return [
    { rule: 'invoice_overdue', subject: 'invoice', warn: `> ${t.invoiceWarnDays} days overdue`, critical: `> ${t.invoiceCriticalDays} days overdue`, settings: 'alerts.invoice_overdue_warn_days, alerts.invoice_overdue_critical_days' },
    { rule: 'credit_exposure', subject: 'customer', warn: `> ${t.exposureWarn}% of the credit limit`, critical: `> ${t.exposureCritical}% of the credit limit`, settings: 'alerts.exposure_warn_percent, alerts.exposure_critical_percent' },
    { rule: 'overdue_share', subject: 'currency', warn: `overdue > ${t.overdueShare}% of receivables`, critical: '', settings: 'alerts.overdue_share_percent' },
    { rule: 'dso', subject: 'currency', warn: `DSO (last 90 days) > ${t.dsoDays} days`, critical: '', settings: 'alerts.dso_days' },
    { rule: 'bad_debt_ratio', subject: 'currency', warn: `write-offs > ${t.badDebt}% of credit sales (12 months)`, critical: '', settings: 'alerts.bad_debt_percent' },
    { rule: 'concentration', subject: 'customer', warn: `largest customer > ${t.concentration}% of receivables`, critical: '', settings: 'alerts.concentration_percent' },
    { rule: 'forecast_floor', subject: 'currency', warn: floorIsOff(t.forecastFloor) ? 'off (alerts.forecast_floor is 0)' : `expected inflow, next 4 weeks < ${t.forecastFloor} ${t.baseCurrency}`, critical: '', settings: 'alerts.forecast_floor' },
  ];
}

function floorIsOff(floor: string): boolean {
  return /^0+(\.0+)?$/.test(floor);
}

function percentOf(part: number, whole: number): Big {
  return whole === 0 ? new Big(0) : new Big(part).times(100).div(whole);
}

function fmt(minor: number, currency: string): string {
  return `${formatMoney(money(minor, currency))} ${currency}`;
}

/** Every rule evaluated as of D, from set-based queries. */
export async function evaluateRules(store: Store, asOf: IsoDate): Promise<Finding[]> {
  const t = alertThresholds(await store.settings.all());
  const findings: Finding[] = [];
  const open = await store.aging.invoices(asOf);
  const overdueDays = daysSince(asOf);

  for (const inv of open) {
    const days = overdueDays(inv.dueDate);
    if (inv.open <= 0 || days <= t.invoiceWarnDays) continue;
    const level: AlertLevel = days > t.invoiceCriticalDays ? 'critical' : 'warn';
    findings.push({ rule: 'invoice_overdue', subject: inv.invoice, level, message: `${inv.invoice} of ${inv.customer} ${inv.name} is ${days} days overdue, ${fmt(inv.open, inv.currency)} open` });
  }

  // Exposure as the credit check sees it: balance net of unapplied cash plus approved orders not yet invoiced.
  const balances = new Map<string, number>();
  for (const b of await store.aging.bucketTotals(asOf, 'due', [30])) balances.set(b.customer!, (balances.get(b.customer!) ?? 0) + b.amount);
  for (const u of await store.aging.unapplied(asOf)) if (u.customer !== null) balances.set(u.customer, (balances.get(u.customer) ?? 0) - u.amount);
  for (const order of await store.orders.list({ state: 'approved' })) {
    balances.set(order.customer, (balances.get(order.customer) ?? 0) + uninvoicedGross(order).minor);
  }
  for (const customer of await store.customers.list({})) {
    if (customer.creditLimit === null) continue;
    const exposure = balances.get(customer.code) ?? 0;
    if (exposure <= 0) continue;
    const limit = customer.creditLimit.minor;
    const share = limit === 0 ? new Big(Number.MAX_SAFE_INTEGER) : percentOf(exposure, limit);
    const level: AlertLevel | null = share.gt(t.exposureCritical) ? 'critical' : share.gt(t.exposureWarn) ? 'warn' : null;
    if (!level) continue;
    const shown = limit === 0 ? 'a cash-only customer' : `${share.round(1, Big.roundHalfUp).toFixed(1)}% of the limit ${fmt(limit, customer.currency)}`;
    findings.push({ rule: 'credit_exposure', subject: customer.code, level, message: `${customer.code} ${customer.name}: exposure ${fmt(exposure, customer.currency)}, ${shown}` });
  }

  const { sales90, sales365, writeOffs365 } = await store.collections.salesActivity(asOf);
  const currencies = [...new Set([...open.map((i) => i.currency), ...sales365.keys(), ...writeOffs365.keys()])].sort();
  for (const currency of currencies) {
    const items = open.filter((i) => i.currency === currency && i.open > 0);
    const total = items.reduce((s, i) => s + i.open, 0);
    const overdue = items.filter((i) => overdueDays(i.dueDate) > 0).reduce((s, i) => s + i.open, 0);
    const share = percentOf(overdue, total);
    if (total > 0 && share.gt(t.overdueShare)) {
      findings.push({ rule: 'overdue_share', subject: currency, level: 'warn', message: `${share.round(1, Big.roundHalfUp).toFixed(1)}% of ${currency} receivables are overdue (${fmt(overdue, currency)} of ${fmt(total, currency)})` });
    }
    const sales = sales90.get(currency) ?? 0;
    if (sales > 0) {
      const dso = new Big(total).times(90).div(sales);
      if (dso.gt(t.dsoDays)) {
        findings.push({ rule: 'dso', subject: currency, level: 'warn', message: `DSO over the last 90 days is ${dso.round(0, Big.roundHalfUp).toFixed(0)} days in ${currency} (limit ${t.dsoDays})` });
      }
    }
    const yearSales = sales365.get(currency) ?? 0;
    const written = writeOffs365.get(currency) ?? 0;
    if (yearSales > 0 && written > 0 && percentOf(written, yearSales).gt(t.badDebt)) {
      findings.push({ rule: 'bad_debt_ratio', subject: currency, level: 'warn', message: `write-offs are ${percentOf(written, yearSales).round(2, Big.roundHalfUp).toFixed(2)}% of ${currency} credit sales over 12 months (${fmt(written, currency)} of ${fmt(yearSales, currency)})` });
    }
    const byCustomer = new Map<string, { amount: number; name: string }>();
    for (const i of items) byCustomer.set(i.customer, { amount: (byCustomer.get(i.customer)?.amount ?? 0) + i.open, name: i.name });
    const [largest] = [...byCustomer].sort((a, b) => b[1].amount - a[1].amount || a[0].localeCompare(b[0]));
    if (largest && byCustomer.size > 1 && percentOf(largest[1].amount, total).gt(t.concentration)) {
      findings.push({ rule: 'concentration', subject: largest[0], level: 'warn', message: `${largest[0]} ${largest[1].name} holds ${percentOf(largest[1].amount, total).round(1, Big.roundHalfUp).toFixed(1)}% of ${currency} receivables` });
    }
  }

  if (!floorIsOff(t.forecastFloor)) {
    const floor = parseMoney(t.forecastFloor, t.baseCurrency, 'alerts.forecast_floor').minor;
    const f = await cashForecast(store, asOf, { unit: 'week', count: 4 });
    const expected = f.periods.filter((p) => p.currency === t.baseCurrency).reduce((s, p) => s + p.expected.minor, 0);
    if (expected < floor) {
      findings.push({ rule: 'forecast_floor', subject: t.baseCurrency, level: 'warn', message: `expected inflow over the next 4 weeks is ${fmt(expected, t.baseCurrency)}, below the floor of ${fmt(floor, t.baseCurrency)}` });
    }
  }
  return findings;
}
