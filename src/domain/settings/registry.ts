import { ValidationError } from '../errors.js';
import { ACCOUNT_DEFAULTS, ACCOUNT_DESCRIPTIONS, ACCOUNT_ROLES, normaliseAccountName, settingKey } from '../journal/accounts.js';
import { isCurrency, knownCurrencies } from '../money/index.js';
import { parseTermCode } from '../terms.js';

/**
 * Company-wide settings live in the database so every user of a shared book sees the same. Each
 * key is declared here with its default and a validator, so a typo in `settings set` is caught
 * instead of silently stored.
 */
export interface SettingDefinition {
  readonly key: string;
  readonly description: string;
  readonly defaultValue: string;
  /** Returns the canonical text to store, or throws ValidationError. */
  readonly normalise: (value: string) => string;
}

function problem(key: string, value: string, reason: string): ValidationError {
  return new ValidationError({ field: key, value, reason });
}

function integerIn(min: number, max: number) {
  return (key: string) =>
    (value: string): string => {
      if (!/^\d+$/.test(value.trim())) throw problem(key, value, `must be a whole number from ${min} to ${max}`);
      const n = Number(value.trim());
      if (n < min || n > max) throw problem(key, value, `must be a whole number from ${min} to ${max}`);
      return String(n);
    };
}

function booleanValue(key: string) {
  return (value: string): string => {
    const v = value.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(v)) return 'true';
    if (['false', 'no', 'off', '0'].includes(v)) return 'false';
    throw problem(key, value, 'must be true or false');
  };
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A percentage such as 13 or 6.5: at most two decimals, 0 to 100. */
export function parsePercent(field: string, value: string): string {
  const v = value.trim().replace(/%$/, '');
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(v)) throw problem(field, value, 'must be a percentage like 13 or 6.5');
  const [whole, frac = ''] = v.split('.');
  const hundredths = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (hundredths > 10000) throw problem(field, value, 'must be between 0 and 100');
  const canonicalFrac = frac.replace(/0+$/, '');
  return canonicalFrac ? `${Number(whole)}.${canonicalFrac}` : String(Number(whole));
}

const definitions: SettingDefinition[] = [
  {
    key: 'currency.base',
    description: 'the company’s own currency; the default for new customers and products',
    defaultValue: 'CNY',
    normalise: (value) => {
      const code = value.trim().toUpperCase();
      if (!isCurrency(code)) throw problem('currency.base', value, `unknown currency; known: ${knownCurrencies().map((c) => c.code).join(', ')}`);
      return code;
    },
  },
  {
    key: 'terms',
    description: 'payment terms customers may have (NETn: n days after the invoice; EOMn: n days after the month end)',
    defaultValue: 'NET0,NET15,NET30,NET45,NET60,NET90,EOM30',
    normalise: (value) => {
      const codes = commaList(value).map((code) => parseTermCode(code).code);
      if (codes.length === 0) throw problem('terms', value, 'must list at least one payment term');
      return [...new Set(codes)].join(',');
    },
  },
  {
    key: 'terms.default',
    description: 'payment terms of a new customer when none are given',
    defaultValue: 'NET30',
    normalise: (value) => parseTermCode(value).code,
  },
  {
    key: 'aging.buckets',
    description: 'upper bounds in days of the aging buckets after "current", ascending',
    defaultValue: '30,60,90,120',
    normalise: (value) => {
      const parts = commaList(value);
      const days = parts.map((p) => {
        if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 3650) {
          throw problem('aging.buckets', value, `"${p}" is not a whole number of days from 1 to 3650`);
        }
        return Number(p);
      });
      if (days.length === 0) throw problem('aging.buckets', value, 'must list at least one bucket bound');
      for (let i = 1; i < days.length; i++) {
        if (days[i]! <= days[i - 1]!) throw problem('aging.buckets', value, 'bounds must be strictly ascending');
      }
      return days.join(',');
    },
  },
  {
    key: 'tax.rates',
    description: 'VAT rates in percent that products may carry',
    defaultValue: '13,9,6,0',
    normalise: (value) => {
      const rates = commaList(value).map((r) => parsePercent('tax.rates', r));
      if (rates.length === 0) throw problem('tax.rates', value, 'must list at least one rate');
      return [...new Set(rates)].join(',');
    },
  },
  {
    key: 'tax.default_rate',
    description: 'VAT rate in percent of a new product when none is given',
    defaultValue: '13',
    normalise: (value) => parsePercent('tax.default_rate', value),
  },
  {
    key: 'tax.prices_include_tax',
    description: 'prices on orders and direct invoices include VAT unless --tax-inclusive says so per document',
    defaultValue: 'false',
    normalise: (value) => booleanValue('tax.prices_include_tax')(value),
  },
  {
    key: 'credit.block_overdue_days',
    description: 'an order is refused when the customer has an invoice overdue by more than this many days',
    defaultValue: '60',
    normalise: (value) => integerIn(0, 3650)('credit.block_overdue_days')(value),
  },
  {
    key: 'reconcile.rules',
    description: 'the rules of reconcile auto, in order: reference (invoice numbers in the memo), exact (one invoice of that amount), subset (invoices summing to it), oldest (oldest due first)',
    defaultValue: 'reference,exact,subset,oldest',
    normalise: (value) => {
      const rules = commaList(value).map((r) => r.toLowerCase());
      const known = ['reference', 'exact', 'subset', 'oldest'];
      const unknown = rules.filter((r) => !known.includes(r));
      if (unknown.length > 0) throw problem('reconcile.rules', value, `unknown rule ${unknown.join(', ')}; known: ${known.join(', ')}`);
      if (rules.length === 0) throw problem('reconcile.rules', value, 'must list at least one rule');
      return [...new Set(rules)].join(',');
    },
  },
  {
    key: 'reconcile.tolerance',
    description: 'largest underpayment (in the base currency’s major units) that reconcile auto closes as a discount or bank fee on an otherwise exact match; 0 turns it off',
    defaultValue: '0',
    normalise: (value) => {
      const v = value.trim();
      if (!/^\d{1,6}(\.\d{1,2})?$/.test(v)) throw problem('reconcile.tolerance', value, 'must be an amount such as 0, 1 or 5.00');
      return v;
    },
  },
  {
    key: 'provision.rates',
    description: 'allowance for doubtful accounts (坏账准备) in percent per aging bucket, current first; one more than aging.buckets',
    defaultValue: '1,3,10,20,50,100',
    normalise: (value) => {
      const rates = commaList(value).map((r) => parsePercent('provision.rates', r));
      if (rates.length === 0) throw problem('provision.rates', value, 'must list a rate per aging bucket');
      return rates.join(',');
    },
  },
  {
    key: 'import.bulk_after',
    description: 'an import of invoices or receipts that has written this many rows, and at least as many as the book held, builds their indexes and balances in one pass at the end (SQLite; docs/IMPORT.md)',
    defaultValue: '50000',
    normalise: (value) => integerIn(1000, 1_000_000_000)('import.bulk_after')(value),
  },
  {
    key: 'stock.allow_backorder',
    description: 'approve orders even when available stock is short',
    defaultValue: 'false',
    normalise: (value) => booleanValue('stock.allow_backorder')(value),
  },
];

function text(key: string, max = 500) {
  return (value: string): string => {
    if (value.length > max) throw problem(key, value, `is longer than ${max} characters`);
    return value.trim();
  };
}

function amount(key: string) {
  return (value: string): string => {
    const v = value.trim();
    if (!/^\d{1,12}(\.\d{1,2})?$/.test(v)) throw problem(key, value, 'must be an amount such as 0 or 50000.00');
    return v;
  };
}

function emailList(key: string) {
  return (value: string): string => {
    const list = commaList(value);
    const bad = list.filter((e) => !/^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/.test(e));
    if (bad.length > 0) throw problem(key, value, `not an email address: ${bad.join(', ')}`);
    return list.join(',');
  };
}

/** Reminder levels: days relative to the due date (negative: before it) and a name, e.g. -3:courtesy. */
export function parseReminderLevels(value: string): { days: number; name: string }[] {
  const levels = commaList(value).map((part) => {
    const m = /^(-?\d{1,4}):([a-z][a-z0-9_-]{0,31})$/i.exec(part);
    if (!m) throw problem('remind.levels', value, `"${part}" is not DAYS:NAME, e.g. -3:courtesy or 15:second`);
    return { days: Number(m[1]), name: m[2]!.toLowerCase() };
  });
  if (levels.length === 0) throw problem('remind.levels', value, 'must list at least one level');
  for (let i = 1; i < levels.length; i++) {
    if (levels[i]!.days <= levels[i - 1]!.days) throw problem('remind.levels', value, 'levels must be in ascending order of days');
  }
  if (new Set(levels.map((l) => l.name)).size !== levels.length) throw problem('remind.levels', value, 'level names must be unique');
  return levels;
}

definitions.push(
  {
    key: 'remind.levels',
    description: 'reminder levels as DAYS:NAME, days relative to the due date (negative: before it)',
    defaultValue: '-3:courtesy,1:first,15:second,30:final,60:collections',
    normalise: (value) => parseReminderLevels(value).map((l) => `${l.days}:${l.name}`).join(','),
  },
  {
    key: 'remind.hold_level',
    description: 'the reminder level that puts the customer on credit hold',
    defaultValue: 'final',
    normalise: text('remind.hold_level', 32),
  },
  {
    key: 'remind.max_receipts_age_days',
    description: 'remind run refuses when the newest receipt is older than this many days (paid customers must not be chased), unless --force',
    defaultValue: '7',
    normalise: (value) => integerIn(0, 3650)('remind.max_receipts_age_days')(value),
  },
  {
    key: 'remind.payment_instructions',
    description: 'how to pay, printed in every reminder (bank, account, reference to quote)',
    defaultValue: '',
    normalise: text('remind.payment_instructions', 2000),
  },
  { key: 'remind.template.zh-CN', description: 'file of a replacement Chinese reminder template (empty: built in)', defaultValue: '', normalise: text('remind.template.zh-CN') },
  { key: 'remind.template.en', description: 'file of a replacement English reminder template (empty: built in)', defaultValue: '', normalise: text('remind.template.en') },
  { key: 'company.name', description: 'the company name that signs reminders and statements', defaultValue: '', normalise: text('company.name', 200) },
  { key: 'smtp.host', description: 'SMTP server for reminders and alerts', defaultValue: '', normalise: text('smtp.host', 200) },
  { key: 'smtp.port', description: 'SMTP port', defaultValue: '587', normalise: (v) => integerIn(1, 65535)('smtp.port')(v) },
  { key: 'smtp.secure', description: 'TLS from the start (port 465) rather than STARTTLS', defaultValue: 'false', normalise: (v) => booleanValue('smtp.secure')(v) },
  { key: 'smtp.user', description: 'SMTP login (empty: no authentication)', defaultValue: '', normalise: text('smtp.user', 200) },
  { key: 'smtp.password_env', description: 'environment variable holding the SMTP password (never the password itself)', defaultValue: 'OWED_SMTP_PASSWORD', normalise: text('smtp.password_env', 100) },
  { key: 'smtp.password_file', description: 'file holding the SMTP password, used when the variable is unset', defaultValue: '', normalise: text('smtp.password_file') },
  { key: 'smtp.from', description: 'sender address of reminders and alerts', defaultValue: '', normalise: (v) => (v.trim() === '' ? '' : emailList('smtp.from')(v)) },
  { key: 'alerts.email', description: 'who receives alert notifications (comma-separated)', defaultValue: '', normalise: (v) => (v.trim() === '' ? '' : emailList('alerts.email')(v)) },
  {
    key: 'alerts.webhook',
    description: 'URL that receives new and escalated alerts as a JSON POST (empty: none)',
    defaultValue: '',
    normalise: (v) => {
      const t = v.trim();
      if (t !== '' && !/^https?:\/\/\S+$/.test(t)) throw problem('alerts.webhook', v, 'must be an http(s) URL');
      return t;
    },
  },
  { key: 'alerts.invoice_overdue_warn_days', description: 'an invoice overdue by more days is a warning', defaultValue: '30', normalise: (v) => integerIn(1, 3650)('alerts.invoice_overdue_warn_days')(v) },
  { key: 'alerts.invoice_overdue_critical_days', description: 'an invoice overdue by more days is critical', defaultValue: '90', normalise: (v) => integerIn(1, 3650)('alerts.invoice_overdue_critical_days')(v) },
  { key: 'alerts.exposure_warn_percent', description: 'a customer’s exposure above this share of the credit limit is a warning', defaultValue: '90', normalise: (v) => parsePercentAbove100('alerts.exposure_warn_percent', v) },
  { key: 'alerts.exposure_critical_percent', description: 'a customer’s exposure above this share of the credit limit is critical', defaultValue: '100', normalise: (v) => parsePercentAbove100('alerts.exposure_critical_percent', v) },
  { key: 'alerts.overdue_share_percent', description: 'overdue receivables above this share of all receivables is a warning', defaultValue: '20', normalise: (v) => parsePercent('alerts.overdue_share_percent', v) },
  { key: 'alerts.dso_days', description: 'DSO over the last 90 days above this many days is a warning', defaultValue: '60', normalise: (v) => integerIn(1, 3650)('alerts.dso_days')(v) },
  { key: 'alerts.bad_debt_percent', description: 'write-offs over the last 12 months above this share of credit sales is a warning', defaultValue: '2', normalise: (v) => parsePercent('alerts.bad_debt_percent', v) },
  { key: 'alerts.concentration_percent', description: 'the largest customer above this share of receivables is a warning', defaultValue: '30', normalise: (v) => parsePercent('alerts.concentration_percent', v) },
  { key: 'alerts.forecast_floor', description: 'expected inflow over the next 4 weeks below this amount (base currency) is a warning; 0 turns it off', defaultValue: '0', normalise: amount('alerts.forecast_floor') },
  ...ACCOUNT_ROLES.map((role): SettingDefinition => ({
    key: settingKey(role),
    description: ACCOUNT_DESCRIPTIONS[role],
    defaultValue: ACCOUNT_DEFAULTS[role],
    normalise: (value) => normaliseAccountName(settingKey(role), value),
  })),
);

function parsePercentAbove100(field: string, value: string): string {
  const v = value.trim().replace(/%$/, '');
  if (!/^\d{1,4}(\.\d{1,2})?$/.test(v) || Number(v) === 0) throw problem(field, value, 'must be a percentage such as 90 or 120');
  return String(Number(v));
}

const byKey = new Map(definitions.map((d) => [d.key, d]));

export function settingDefinitions(): readonly SettingDefinition[] {
  return definitions;
}

export function settingDefinition(key: string): SettingDefinition {
  const definition = byKey.get(key);
  if (!definition) {
    throw new ValidationError(
      { field: 'key', value: key, reason: 'unknown setting' },
      `known settings: ${definitions.map((d) => d.key).join(', ')}`,
    );
  }
  return definition;
}

export function defaultSettings(): ReadonlyMap<string, string> {
  return new Map(definitions.map((d) => [d.key, d.defaultValue]));
}
