import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/domain/errors.js';
import { createMapper, normaliseAmount, normaliseDate } from '../../src/domain/import/mapping.js';
import { NO_RULES, parseRules } from '../../src/domain/import/rules.js';
import { parseMoney } from '../../src/domain/money/index.js';

const RECEIPT_COLUMNS = ['date', 'amount', 'customer', 'currency', 'reference', 'memo', 'method', 'bank_ref'];
const INVOICE_COLUMNS = ['number', 'customer', 'issue_date', 'total', 'due_date', 'currency', 'net', 'tax', 'order', 'external_ref'];

const DEFAULT_MARKS = { decimalMark: '.', thousandsSeparator: ',' };
const GERMAN = { decimalMark: ',', thousandsSeparator: '.' };

function fields(m: { fields: Iterable<[string, string]> }): Record<string, string> {
  return Object.fromEntries(m.fields);
}

describe('normaliseAmount', () => {
  it('with the default marks (. and ,) leaves the text to parseMoney, only trimmed', () => {
    expect(normaliseAmount(' 1,234.50 ', DEFAULT_MARKS)).toBe('1,234.50');
    expect(normaliseAmount('14765.08', DEFAULT_MARKS)).toBe('14765.08');
    // …so a European amount is refused there, never guessed.
    expect(() => parseMoney(normaliseAmount('1.234,50', DEFAULT_MARKS)!, 'CNY', 'amount')).toThrow(ValidationError);
  });

  it('decimal-mark , and thousands-separator .', () => {
    expect(normaliseAmount('1.234,50', GERMAN)).toBe('1234.50');
    expect(normaliseAmount('10.000,00', GERMAN)).toBe('10000.00');
    expect(normaliseAmount('1.234.567,89', GERMAN)).toBe('1234567.89');
    expect(normaliseAmount('702,00', GERMAN)).toBe('702.00');
    expect(normaliseAmount('-1.234,5', GERMAN)).toBe('-1234.5');
    expect(normaliseAmount(' 26.103,57 ', GERMAN)).toBe('26103.57');
    expect(normaliseAmount('5', GERMAN)).toBe('5');
  });

  it('decimal-mark , with no thousands separator, or a space', () => {
    expect(normaliseAmount('1234,50', { decimalMark: ',', thousandsSeparator: '' })).toBe('1234.50');
    expect(normaliseAmount('1 234,50', { decimalMark: ',', thousandsSeparator: ' ' })).toBe('1234.50');
  });

  it('decimal-mark . with a space, an apostrophe or no thousands separator', () => {
    expect(normaliseAmount('1 234.50', { decimalMark: '.', thousandsSeparator: ' ' })).toBe('1234.50');
    expect(normaliseAmount("1'234'567.50", { decimalMark: '.', thousandsSeparator: "'" })).toBe('1234567.50');
    expect(normaliseAmount('1234.50', { decimalMark: '.', thousandsSeparator: '' })).toBe('1234.50');
  });

  it('an amount whose marks do not fit the declared convention is refused, not read as 100 times as much', () => {
    // With the default marks parseMoney checks the grouping ("12,50" is refused); with
    // `decimal-mark , / thousands-separator .` the separators are stripped wherever they stand.
    expect(() => parseMoney(normaliseAmount('12,50', DEFAULT_MARKS)!, 'CNY', 'amount')).toThrow(ValidationError);
    // With declared marks, an amount that does not follow them is not read at all: the mapper reports it.
    expect(normaliseAmount('12.50', GERMAN)).toBeUndefined();
    expect(normaliseAmount('1.2.3,4', GERMAN)).toBeUndefined();
  });
});

describe('normaliseDate', () => {
  it('without a format the text is returned trimmed (owed reads YYYY-MM-DD itself)', () => {
    expect(normaliseDate(' 2026-11-20 ', undefined)).toBe('2026-11-20');
    expect(normaliseDate('2026/11/20', undefined)).toBe('2026/11/20');
  });

  it('YYYY/MM/DD', () => {
    expect(normaliseDate('2026/11/20', 'YYYY/MM/DD')).toBe('2026-11-20');
    expect(normaliseDate(' 2026/01/05 ', 'YYYY/MM/DD')).toBe('2026-01-05');
  });

  it('DD.MM.YYYY (the dot is a literal, not "any character")', () => {
    expect(normaliseDate('15.12.2025', 'DD.MM.YYYY')).toBe('2025-12-15');
    expect(normaliseDate('05.01.2026', 'DD.MM.YYYY')).toBe('2026-01-05');
    expect(normaliseDate('15x12x2025', 'DD.MM.YYYY')).toBe('15x12x2025');
  });

  it('YYYY年M月D日, padded or not', () => {
    expect(normaliseDate('2026年1月5日', 'YYYY年M月D日')).toBe('2026-01-05');
    expect(normaliseDate('2026年11月20日', 'YYYY年M月D日')).toBe('2026-11-20');
    expect(normaliseDate('2026年01月05日', 'YYYY年M月D日')).toBe('2026-01-05');
  });

  it('YYYYMMDD', () => {
    expect(normaliseDate('20261120', 'YYYYMMDD')).toBe('2026-11-20');
    expect(normaliseDate('20260105', 'YYYYMMDD')).toBe('2026-01-05');
  });

  it('M/D/YYYY and D.M.YYYY', () => {
    expect(normaliseDate('1/5/2026', 'M/D/YYYY')).toBe('2026-01-05');
    expect(normaliseDate('5.1.2026', 'D.M.YYYY')).toBe('2026-01-05');
  });

  it('text that does not fit the format is returned as it is, for the date check to refuse', () => {
    expect(normaliseDate('2026/1/05', 'YYYY/MM/DD')).toBe('2026/1/05');
    expect(normaliseDate('20/11/2026', 'YYYY/MM/DD')).toBe('20/11/2026');
    expect(normaliseDate('2026112', 'YYYYMMDD')).toBe('2026112');
  });

  it('the calendar is not checked here: 2026/13/01 becomes 2026-13-01', () => {
    expect(normaliseDate('2026/13/01', 'YYYY/MM/DD')).toBe('2026-13-01');
  });
});

describe('createMapper', () => {
  it('without rules, a header using owed\'s names maps itself, case-insensitively and trimmed; unknown columns are ignored', () => {
    const map = createMapper(NO_RULES, ['DATE', ' Amount ', 'Bank_Ref', 'extra'], RECEIPT_COLUMNS);
    expect(fields(map(['2026-11-20', ' 100.00 ', 'B1', 'x']))).toEqual({ date: '2026-11-20', amount: '100.00', bank_ref: 'B1' });
  });

  it('a short record gives empty fields, not undefined', () => {
    const map = createMapper(NO_RULES, ['date', 'amount', 'memo'], RECEIPT_COLUMNS);
    expect(fields(map(['2026-11-20']))).toEqual({ date: '2026-11-20', amount: '', memo: '' });
  });

  it('column rules by header name, case-insensitively', () => {
    const rules = parseRules('column date Booking Date\ncolumn amount betrag\ncolumn memo 摘要');
    const map = createMapper(rules, ['booking date', 'BETRAG', '摘要'], RECEIPT_COLUMNS);
    expect(fields(map(['2026-11-20', '5.00', '货款']))).toEqual({ date: '2026-11-20', amount: '5.00', memo: '货款' });
  });

  it('column rules win over a header column of the same name', () => {
    const rules = parseRules('column date value_date');
    const map = createMapper(rules, ['date', 'value_date', 'amount'], RECEIPT_COLUMNS);
    expect(fields(map(['2026-01-01', '2026-11-20', '5']))).toEqual({ date: '2026-11-20', amount: '5' });
  });

  it('column rules by 1-based position, with header no', () => {
    const rules = parseRules('header no\ncolumn date 1\ncolumn amount 3\ncolumn memo 2');
    const map = createMapper(rules, null, RECEIPT_COLUMNS);
    expect(fields(map(['2026-11-20', 'rent', '300.00']))).toEqual({ date: '2026-11-20', amount: '300.00', memo: 'rent' });
  });

  it('a position past the end of a record is empty', () => {
    const map = createMapper(parseRules('header no\ncolumn date 1\ncolumn amount 9'), null, RECEIPT_COLUMNS);
    expect(fields(map(['2026-11-20', '5']))).toEqual({ date: '2026-11-20', amount: '' });
  });

  it('bad column references are refused with the column named', () => {
    expect(() => createMapper(parseRules('column date 交易日期'), ['日期', '金额'], RECEIPT_COLUMNS))
      .toThrow('column date: "交易日期" no such column in the file; it has: 日期, 金额');
    expect(() => createMapper(parseRules('header no\ncolumn date 交易日期'), null, RECEIPT_COLUMNS))
      .toThrow(/column date: "交易日期" the file has no header \(header no\): name columns by position/);
    expect(() => createMapper(parseRules('column date 0'), ['a'], RECEIPT_COLUMNS)).toThrow(/column date: "0" column positions start at 1/);
    expect(() => createMapper(parseRules('credit 贷方'), ['借方'], RECEIPT_COLUMNS)).toThrow(/credit: "贷方" no such column/);
    expect(() => createMapper(parseRules('debit 借方'), ['贷方'], RECEIPT_COLUMNS)).toThrow(/debit: "借方" no such column/);
  });

  describe('credit and debit columns', () => {
    const rules = parseRules('column date 交易日期\ncredit 贷方发生额\ndebit 借方发生额\ndate-format YYYY/MM/DD');
    const header = ['交易日期', '借方发生额', '贷方发生额', '摘要'];
    const map = createMapper(rules, header, RECEIPT_COLUMNS);

    it('the amount is the credit, normalised', () => {
      const m = map(['2026/11/20', '', '14,765.08', '货款']);
      expect(m.skipped).toBeUndefined();
      expect(fields(m)).toEqual({ date: '2026-11-20', amount: '14,765.08' });
    });

    it('a row with only a debit is money out and skipped', () => {
      expect(map(['2026/11/20', '86,500.00', '', '代发工资']).skipped).toBe('money out (debit), not a receipt');
    });

    it('a zero credit counts as none', () => {
      expect(map(['2026/11/20', '10.00', '0.00', '']).skipped).toBe('money out (debit), not a receipt');
      expect(map(['2026/11/20', '', '0', '']).skipped).toBe('no credit amount');
      expect(map(['2026/11/20', '', '', '']).skipped).toBe('no credit amount');
    });

    it('a credit column in a file with decimal commas', () => {
      const de = createMapper(parseRules('credit Haben\ndecimal-mark ,\nthousands-separator .'), ['Datum', 'Haben'], RECEIPT_COLUMNS);
      expect(fields(de(['x', '1.234,50'])).amount).toBe('1234.50');
      expect(de(['x', '0,00']).skipped).toBe('no credit amount');
    });

    it('credit by position', () => {
      const pos = createMapper(parseRules('header no\ncolumn date 1\ncredit 3\ndebit 2'), null, RECEIPT_COLUMNS);
      expect(fields(pos(['2026-11-20', '', '5.00']))).toEqual({ date: '2026-11-20', amount: '5.00' });
      expect(pos(['2026-11-20', '5.00', '']).skipped).toMatch(/money out/);
    });
  });

  it('defaults fill empty or absent fields, never a value the file has', () => {
    const rules = parseRules('default method bank\ndefault currency CNY');
    const map = createMapper(rules, ['date', 'amount', 'method'], RECEIPT_COLUMNS);
    expect(fields(map(['2026-11-20', '5', '']))).toEqual({ date: '2026-11-20', amount: '5', method: 'bank', currency: 'CNY' });
    expect(fields(map(['2026-11-20', '5', 'cash']))).toMatchObject({ method: 'cash', currency: 'CNY' });
  });

  it('if … skip on a file column that is not mapped, case-insensitively, with the rules line in the reason', () => {
    const rules = parseRules('column date 交易日期\ncolumn amount 金额\n# refunds\nif 摘要 ~ 退款 skip');
    const map = createMapper(rules, ['交易日期', '金额', '摘要'], RECEIPT_COLUMNS);
    expect(map(['2026-11-22', '200.00', '退款 返还多收货款']).skipped).toBe('rules line 4: 摘要 matches 退款');
    expect(map(['2026-11-22', '200.00', '货款']).skipped).toBeUndefined();
  });

  it('if … skip on owed\'s field (after mapping), case-insensitive pattern', () => {
    const map = createMapper(parseRules('column memo Text\nif memo ~ refund skip'), ['date', 'amount', 'Text'], RECEIPT_COLUMNS);
    expect(map(['2026-11-22', '1', 'REFUND of fees']).skipped).toMatch(/^rules line 2: memo matches refund$/);
    expect(map(['2026-11-22', '1', 'payment']).skipped).toBeUndefined();
  });

  it('if … set assigns a field, later rules see earlier assignments, and the value is normalised like the file\'s', () => {
    const rules = parseRules([
      'column customer 对方户名',
      'date-format YYYY/MM/DD',
      'if 对方户名 ~ 华美 set customer C001',
      'if customer ~ ^C001$ set memo known payer',
      'if 对方户名 ~ 不认识 set date 2026/11/30',
    ].join('\n'));
    const map = createMapper(rules, ['date', 'amount', '对方户名'], RECEIPT_COLUMNS);
    expect(fields(map(['2026/11/20', '5', '上海华美贸易有限公司']))).toEqual({ date: '2026-11-20', amount: '5', customer: 'C001', memo: 'known payer' });
    expect(fields(map(['2026/11/20', '5', '不认识的公司']))).toEqual({ date: '2026-11-30', amount: '5', customer: '不认识的公司' });
  });

  it('a skip after a set still skips; a condition on an empty field matches only patterns that match empty text', () => {
    const rules = parseRules('if memo ~ x set method cash\nif method ~ cash skip\nif reference ~ ^$ set reference none');
    const map = createMapper(rules, ['date', 'amount', 'memo'], RECEIPT_COLUMNS);
    expect(map(['2026-11-20', '5', 'x']).skipped).toBe('rules line 2: method matches cash');
    expect(fields(map(['2026-11-20', '5', 'y']))).toEqual({ date: '2026-11-20', amount: '5', memo: 'y', reference: 'none' });
  });

  it('amounts and dates of every kind of file are normalised: the ERP invoice layout', () => {
    const rules = parseRules([
      'separator ;', 'column number 单据编号', 'column customer 客户编码', 'column issue_date 开票日期', 'column due_date 到期日',
      'column net 不含税金额', 'column tax 税额', 'column total 价税合计', 'column external_ref 外部单号',
      'date-format DD.MM.YYYY', 'decimal-mark ,', 'thousands-separator .',
    ].join('\n'));
    const header = ['单据编号', '客户编码', '开票日期', '到期日', '不含税金额', '税额', '价税合计', '外部单号'];
    const map = createMapper(rules, header, INVOICE_COLUMNS);
    expect(fields(map(['FP-2025-0902', 'C004', '20.12.2025', '18.02.2026', '5.400,00', '702,00', '6.102,00', 'U8-AR-100902']))).toEqual({
      number: 'FP-2025-0902', customer: 'C004', issue_date: '2025-12-20', due_date: '2026-02-18',
      net: '5400.00', tax: '702.00', total: '6102.00', external_ref: 'U8-AR-100902',
    });
    // Empty optional values stay empty (not normalised into something).
    expect(fields(map(['X', 'C004', '20.12.2025', '', '', '', '6.102,00', '']))).toMatchObject({ due_date: '', net: '', tax: '', total: '6102.00' });
  });

  it('keeps the file\'s text of every field it rewrote, for messages; fields left as they were are not listed', () => {
    const rules = parseRules('decimal-mark ,\nthousands-separator .\ndate-format DD.MM.YYYY');
    const map = createMapper(rules, ['date', 'amount', 'memo'], RECEIPT_COLUMNS);
    const mapped = map([' 13.13.2026', '1.234,567', '01.02.2026']);
    expect(fields(mapped)).toMatchObject({ date: '2026-13-13', amount: '1234.567' });
    expect(Object.fromEntries(mapped.original ?? [])).toEqual({ date: '13.13.2026', amount: '1.234,567' });
    expect(createMapper(NO_RULES, ['date', 'amount'], RECEIPT_COLUMNS)(['2026-11-20', '5.00']).original).toBeUndefined();
  });

  it('text fields are not touched by the number and date rules', () => {
    const rules = parseRules('decimal-mark ,\nthousands-separator .\ndate-format DD.MM.YYYY');
    const map = createMapper(rules, ['date', 'amount', 'reference', 'memo'], RECEIPT_COLUMNS);
    expect(fields(map(['01.02.2026', '1.000,00', '1.000,00', '01.02.2026']))).toEqual({ date: '2026-02-01', amount: '1000.00', reference: '1.000,00', memo: '01.02.2026' });
  });
});
