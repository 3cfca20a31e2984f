import { describe, it, expect } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { defaultSettings, parsePercent, settingDefinition, settingDefinitions } from '../../src/domain/settings/registry.js';

const normalise = (key: string, value: string) => settingDefinition(key).normalise(value);

function rejection(key: string, value: string): ValidationError {
  try {
    normalise(key, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`${key}=${JSON.stringify(value)} was accepted`);
}

const KEYS = [
  'currency.base',
  'terms',
  'terms.default',
  'aging.buckets',
  'tax.rates',
  'tax.default_rate',
  'tax.prices_include_tax',
  'credit.block_overdue_days',
  'reconcile.rules',
  'reconcile.tolerance',
  'provision.rates',
  'import.bulk_after',
  'stock.allow_backorder',
  'remind.levels',
  'remind.hold_level',
  'remind.max_receipts_age_days',
  'remind.payment_instructions',
  'remind.template.zh-CN',
  'remind.template.en',
  'company.name',
  'smtp.host',
  'smtp.port',
  'smtp.secure',
  'smtp.user',
  'smtp.password_env',
  'smtp.password_file',
  'smtp.from',
  'alerts.email',
  'alerts.webhook',
  'alerts.invoice_overdue_warn_days',
  'alerts.invoice_overdue_critical_days',
  'alerts.exposure_warn_percent',
  'alerts.exposure_critical_percent',
  'alerts.overdue_share_percent',
  'alerts.dso_days',
  'alerts.bad_debt_percent',
  'alerts.concentration_percent',
  'alerts.forecast_floor',
  'journal.account.receivable',
  'journal.account.bank',
  'journal.account.cash',
  'journal.account.sales',
  'journal.account.vat_output',
  'journal.account.bad_debts',
  'journal.account.customer_credit',
  'journal.account.discounts',
  'journal.account.opening',
];

describe('settings registry', () => {
  it('declares the expected keys', () => {
    expect(settingDefinitions().map((d) => d.key)).toEqual(KEYS);
  });

  it('each default is already canonical', () => {
    for (const [key, value] of defaultSettings()) expect(normalise(key, value)).toBe(value);
  });

  it('normalising is idempotent on accepted values', () => {
    const samples: [string, string][] = [
      ['currency.base', ' usd '],
      ['terms', 'net 30, eom30 ,NET030'],
      ['terms.default', 'net 45'],
      ['aging.buckets', ' 030, 60 ,90'],
      ['tax.rates', ' 13, 9 ,6,0 '],
      ['tax.default_rate', '6.50%'],
      ['credit.block_overdue_days', ' 060 '],
      ['stock.allow_backorder', 'Yes'],
      ['import.bulk_after', ' 02000 '],
    ];
    for (const [key, value] of samples) {
      const once = normalise(key, value);
      expect(normalise(key, once)).toBe(once);
    }
  });

  it('an unknown key is a ValidationError whose hint lists the known keys', () => {
    let caught: unknown;
    try {
      settingDefinition('tax.rate');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const e = caught as ValidationError;
    expect(e.problems).toEqual([{ field: 'key', value: 'tax.rate', reason: 'unknown setting' }]);
    for (const key of KEYS) expect(e.hint).toContain(key);
  });
});

describe('currency.base', () => {
  it.each([
    ['CNY', 'CNY'],
    [' usd ', 'USD'],
    ['jpy', 'JPY'],
  ])('%j → %j', (value, canonical) => expect(normalise('currency.base', value)).toBe(canonical));

  it.each(['XXX', '', 'yuan', '¥'])('rejects %j', (value) => {
    const e = rejection('currency.base', value);
    expect(e.problems[0]!.field).toBe('currency.base');
    expect(e.problems[0]!.reason).toContain('CNY');
  });
});

describe('terms', () => {
  it.each([
    ['NET0,NET15,NET30', 'NET0,NET15,NET30'],
    ['net 30, eom30 ', 'NET30,EOM30'],
    ['NET30,net30,NET 30,NET030', 'NET30'],
    ['NET365', 'NET365'],
  ])('%j → %j', (value, canonical) => expect(normalise('terms', value)).toBe(canonical));

  it.each(['', ' , ', 'NET', 'NET30,30', 'NET366', 'COD'])('rejects %j', (value) => {
    rejection('terms', value);
  });
});

describe('terms.default', () => {
  it.each([
    ['NET30', 'NET30'],
    [' net 45 ', 'NET45'],
    ['eom30', 'EOM30'],
  ])('%j → %j', (value, canonical) => expect(normalise('terms.default', value)).toBe(canonical));

  it.each(['', '30', 'NET30,NET60', 'NET-5'])('rejects %j', (value) => {
    rejection('terms.default', value);
  });
});

describe('aging.buckets', () => {
  it.each([
    ['30,60', '30,60'],
    ['30,60,90,120', '30,60,90,120'],
    [' 030 , 60,', '30,60'],
    ['1,3650', '1,3650'],
  ])('%j → %j', (value, canonical) => expect(normalise('aging.buckets', value)).toBe(canonical));

  it.each(['60,30', '30,30', '', ' , ', '0,30', '30,3651', '30,x', '-30', '30.5'])('rejects %j', (value) => {
    const e = rejection('aging.buckets', value);
    expect(e.problems[0]!.field).toBe('aging.buckets');
    expect(e.problems[0]!.value).toBe(value);
  });

  it('says why a descending list is refused', () => {
    expect(rejection('aging.buckets', '60,30').problems[0]!.reason).toMatch(/ascending/);
  });
});

describe('tax.rates', () => {
  it.each([
    [' 13, 9 ,6,0 ', '13,9,6,0'],
    ['6.50', '6.5'],
    ['13.00,9.0', '13,9'],
    ['13,13.0,9', '13,9'],
    ['100', '100'],
    ['0.05', '0.05'],
    ['013', '13'],
    ['13%,6.5%', '13,6.5'],
  ])('%j → %j', (value, canonical) => expect(normalise('tax.rates', value)).toBe(canonical));

  it.each(['', ' , ', '-1', '100.01', '101', '6.555', 'thirteen', '1e1', '13;9', '.5'])('rejects %j', (value) => {
    expect(rejection('tax.rates', value).problems[0]!.field).toBe('tax.rates');
  });
});

describe('tax.default_rate', () => {
  it.each([
    ['13', '13'],
    [' 6.50 ', '6.5'],
    ['9%', '9'],
    ['0', '0'],
    ['0.00', '0'],
    ['100.00', '100'],
  ])('%j → %j', (value, canonical) => expect(normalise('tax.default_rate', value)).toBe(canonical));

  it.each(['', '13,9', '100.5', '-6', 'abc'])('rejects %j', (value) => {
    expect(rejection('tax.default_rate', value).problems[0]!.field).toBe('tax.default_rate');
  });

  it('parsePercent names the field it is given', () => {
    expect(() => parsePercent('--tax-rate', 'x')).toThrow(ValidationError);
    try {
      parsePercent('--tax-rate', 'x');
    } catch (error) {
      expect((error as ValidationError).problems[0]!.field).toBe('--tax-rate');
    }
  });
});

describe('credit.block_overdue_days', () => {
  it.each([
    ['60', '60'],
    [' 060 ', '60'],
    ['0', '0'],
    ['3650', '3650'],
  ])('%j → %j', (value, canonical) => expect(normalise('credit.block_overdue_days', value)).toBe(canonical));

  it.each(['', '-1', '3651', '1.5', 'sixty', '6 0'])('rejects %j', (value) => {
    const e = rejection('credit.block_overdue_days', value);
    expect(e.problems[0]!.field).toBe('credit.block_overdue_days');
    expect(e.problems[0]!.reason).toContain('0 to 3650');
  });
});

describe('import.bulk_after', () => {
  it.each([
    ['50000', '50000'],
    [' 02000 ', '2000'],
    ['1000', '1000'],
    ['1000000000', '1000000000'],
  ])('%j → %j', (value, canonical) => expect(normalise('import.bulk_after', value)).toBe(canonical));

  it.each(['', '999', '0', '-5000', '1000000001', '5e4', '50,000'])('rejects %j', (value) => {
    const e = rejection('import.bulk_after', value);
    expect(e.problems[0]!.field).toBe('import.bulk_after');
    expect(e.problems[0]!.reason).toContain('1000 to 1000000000');
  });
});

describe('stock.allow_backorder', () => {
  it.each([
    ['true', 'true'],
    ['yes', 'true'],
    [' YES ', 'true'],
    ['on', 'true'],
    ['1', 'true'],
    ['false', 'false'],
    ['No', 'false'],
    ['off', 'false'],
    ['0', 'false'],
  ])('%j → %j', (value, canonical) => expect(normalise('stock.allow_backorder', value)).toBe(canonical));

  it.each(['', 'maybe', 'y', '2', 'truee'])('rejects %j', (value) => {
    expect(rejection('stock.allow_backorder', value).problems[0]!.field).toBe('stock.allow_backorder');
  });
});
